"""Privacy numbers for after-sale calls: issuing and releasing numbers, the shop's callers, call
routing and call records. ``service.py`` does the work, ``store.py`` declares the store and its
values, ``memory.py`` and ``redis.py`` (with ``lua/``) implement it, ``routes.py`` is the HTTP API;
``crypto.py`` seals shoppers' real numbers."""
