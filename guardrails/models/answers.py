"""The shipped answer classifier: which categories an outgoing answer falls in when no rule says
so (off-platform payment, private deals, redirects, QR invitations, store visits, abuse and
threats, absolute claims), trained on the corpus's train writers by ``train.py``."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from .ngram import ModelError, NgramClassifier

MODEL_NAME = "answers.json.gz"


@functools.cache
def load_answer_model(path: Path | None = None) -> NgramClassifier:
    """Loaded once per process from the package (or ``path``); raises ModelError."""
    if path is not None:
        return NgramClassifier.load(path)
    resource = resources.files("guardrails.models").joinpath(MODEL_NAME)
    try:
        with resources.as_file(resource) as shipped:
            return NgramClassifier.load(shipped)
    except FileNotFoundError as exc:
        raise ModelError(f"the package holds no {MODEL_NAME}: {exc}") from exc
