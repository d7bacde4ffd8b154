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

from albert_tf.export import signatures

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
    texts = _MASKED if task in ("masked_lm", "pretraining") else _TEXTS
    values = {
        "text": texts, "text_pair": _PAIRS, "question": _QUESTIONS, "context": _CONTEXTS, "choices": _CHOICES,
    }
    return {t.name: np.array(values[t.name][:rows], dtype=object)
            for t in signatures.task_text_inputs(task, text_pair)}


def _as_str_list(values) -> list[str]:
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.asarray(values, dtype=object).ravel()]


def encode_text_inputs(task: str, tokenizer, text_inputs: dict, max_length: int) -> dict[str, np.ndarray]:
    """The ``predict_ids`` inputs (int32) for ``serving_default`` string inputs, via the Python tokenizer.

    Uses the same pairing and truncation as the exported graph: question/context with ``only_second``
    truncation for question answering, question/each choice (flattened to ``[B, N, L]``) for multiple
    choice, ``text``/``text_pair`` for pairs; padded to the batch's longest.
    """
    kwargs = dict(padding=True, truncation=True, max_length=max_length, return_tensors="np")
    if task == "question_answering":
        enc = tokenizer(_as_str_list(text_inputs["question"]), _as_str_list(text_inputs["context"]),
                        **dict(kwargs, truncation="only_second"))
    elif task == "multiple_choice":
        choices = np.asarray(text_inputs["choices"], dtype=object)
        batch, num_choices = choices.shape
        questions = np.repeat(np.asarray(_as_str_list(text_inputs["question"]), dtype=object), num_choices)
        enc = tokenizer(list(questions), _as_str_list(choices), **kwargs)
        return {k: np.asarray(enc[k], np.int32).reshape(batch, num_choices, -1)
                for k in ("input_ids", "attention_mask", "token_type_ids")}
    elif "text_pair" in text_inputs:
        enc = tokenizer(_as_str_list(text_inputs["text"]), _as_str_list(text_inputs["text_pair"]), **kwargs)
    else:
        enc = tokenizer(_as_str_list(text_inputs["text"]), **kwargs)
    return {k: np.asarray(enc[k], np.int32) for k in ("input_ids", "attention_mask", "token_type_ids")}
