"""The message path: write the shopper's message, route it to the bot or a human, check the
answer, deliver it. ``service.py`` does the work, ``events.py`` wakes long polls, ``store.py``
declares the store and its values, ``memory.py`` and ``redis.py`` (with ``lua/``) implement it,
``routes.py`` is the HTTP API; ``upstream.py`` is the client for shops' bots."""
