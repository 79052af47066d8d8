"""Shop feedback on the outgoing filter: an admin records that a text should have been stopped
or passed, optionally with a phrase that the shop's guardrails then allow or ban from the next
reload. ``service.py`` does the work, ``store.py`` declares the store and its values,
``memory.py`` and ``redis.py`` (with ``lua/``) implement it, ``routes.py`` is the HTTP API."""
