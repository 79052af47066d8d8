"""Learned classifiers: loading and scoring at run time; training and evaluation are dev commands
(``python -m guardrails.models.train``, ``python -m guardrails.models.evaluate``)."""
