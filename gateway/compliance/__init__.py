"""Shop compliance: the violation ledger and its sanctions, bot mode and its opening gate,
satisfaction, and the service-time clocks of tickets. ``service.py`` does the work, ``store.py``
declares the store and its values, ``memory.py`` and ``redis.py`` (with ``lua/``) implement it,
``routes.py`` is the HTTP API; ``points.py`` prices a verdict's findings."""
