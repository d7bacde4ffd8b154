"""Sample requests per task (used for warmup records and the recipes) and the Python-side tokenization
that turns ``serving_default`` string inputs into the ``predict_ids`` inputs, exactly as
:class:`~albert_tf.tokenization.AlbertTokenizer` (HF's slow tokenizer) would.

Example:
    >>> inputs = sample_text_inputs("question_answering", rows=1)
    >>> sorted(inputs)
    ['context', 'question']
"""

from __future__ import annotations

import numpy as np

from albert_tf.tasks import get_task

_TEXTS = [
    "A quiet, moving film about a family that learns to listen.",
    "The plot is thin, but the cast carries it with wit.",
    "Not worth the ticket.",
]
_PAIRS = [
    "It never overstays its welcome.",
    "Still, the ending lands.",
    "Skip it.",
]
_MASKED = [
    "The film was [MASK].",
    "A [MASK] and moving [MASK] about a family.",
    "Not worth the [MASK].",
]
_QUESTIONS = [
    "Who carries the film?",
    "What is the film about?",
    "Was it worth the ticket?",
]
_CONTEXTS = [
    "The plot is thin, but the cast carries it with wit and charm.",
    "A quiet, moving film about a family that learns to listen.",
    "Critics agreed that it was not worth the ticket.",
]
_CHOICES = [
    ["The cast.", "The plot.", "The ticket."],
    ["A family.", "A storm.", "A heist."],
    ["Yes.", "No.", "Maybe."],
]


def sample_text_inputs(task: str, rows: int = 2, text_pair: bool = False) -> dict[str, np.ndarray]:
    """``rows`` (1-3) example rows for ``task``'s ``serving_default`` inputs, as numpy string arrays."""
    if not 1 <= rows <= len(_TEXTS):
        raise ValueError(f"rows must be in [1, {len(_TEXTS)}], got {rows}")
    head = get_task(task)
    texts = _MASKED if head.masked else _TEXTS
    values = {
        "text": texts, "text_pair": _PAIRS, "question": _QUESTIONS, "context": _CONTEXTS, "choices": _CHOICES,
    }
    return {t.name: np.array(values[t.name][:rows], dtype=object)
            for t in head.text_inputs(text_pair)}


def encode_text_inputs(task: str, tokenizer, text_inputs: dict, max_length: int) -> dict[str, np.ndarray]:
    """The ``predict_ids`` inputs (int32) for ``serving_default`` string inputs, via the Python tokenizer,
    with the pairing and truncation of the exported graph (the task's
    :meth:`~albert_tf.tasks.base.Task.encode_texts`); padded to the batch's longest."""
    return get_task(task).encode_texts(tokenizer, text_inputs, max_length)
