"""Shopper sentiment: the customer-service model (model.py) and stock snownlp (stock.py)."""

from __future__ import annotations

from .base import NO_CUES, Cues, SentimentScorer
from .model import ShopperSentiment
from .stock import MIN_HAN_CHARS, SnowNLPScorer

__all__ = [
    "MIN_HAN_CHARS",
    "NO_CUES",
    "Cues",
    "SentimentScorer",
    "ShopperSentiment",
    "SnowNLPScorer",
]
