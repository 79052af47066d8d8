"""The human side of a conversation: tickets, the agent queue, time-outs and webhooks.
``service.py`` does the work, ``store.py`` declares the store, its values and the ticket's state
machine, ``memory.py`` and ``redis.py`` (with ``lua/``) implement it, ``routes.py`` is the agent
API; ``webhooks.py`` tells agents' tools of new tickets."""
