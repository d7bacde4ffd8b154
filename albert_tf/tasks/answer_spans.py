"""HF 4.x's ``pipeline("question-answering")`` rules in numpy: window features and the best answers.

One place for the Python side of question answering: :class:`~albert_tf.pipelines.QuestionAnsweringPipeline`
and ``evaluate`` (:mod:`albert_tf.tasks.squad`, ``qa_decoding="pipeline"``) both build their windows'
alignment with :func:`window_feature` and decode the model's logits with :func:`best_answers`; the exported
graph (:mod:`albert_tf.tasks.question_answering`) implements the same rules in TensorFlow.

The rules: per window, the logits of the question and special tokens are excluded (``p_mask``, ``[CLS]``
stays open), each of start and end gets a softmax, spans of at most ``max_answer_len`` tokens score
p(start) * p(end), the ``top_k * 2 + 10`` best per window (with ``align_to_words``) are widened to whole
words, candidates with the same lowercased text add up, and with ``handle_impossible_answer`` the empty
answer scores the smallest p([CLS]) * p([CLS]) over the windows. A word is what the fast tokenizer's
``Metaspace`` step splits on, and a word's span includes the space before it (HF's fast offsets).

Example:
    >>> feature = {"p_mask": [0, 1, 1, 0, 0, 1], "offsets": [(0, 0)] * 3 + [(0, 3), (3, 9), (0, 0)],
    ...            "word_ids": [None] * 3 + [0, 1, None]}
    >>> start, end = np.array([0., 0, 0, 4, 1, 0]), np.array([0., 0, 0, 1, 4, 0])
    >>> best_answers("Ada wrote", [feature], [{"start_logits": start, "end_logits": end}])[0]["answer"]
    'Ada wrote'
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

import numpy as np

from albert_tf.tokenization.alignment import metaspace_offsets, overflow_windows, word_ids

DEFAULT_MAX_SEQ_LEN = 384
DEFAULT_MAX_QUESTION_LEN = 64
DEFAULT_MAX_ANSWER_LEN = 15


@dataclasses.dataclass
class ContextAlignment:
    """One context's pieces: ids, ``AlbertTokenizer``'s visible-character ``spans``, HF-fast ``offsets``
    (a word's first piece spans the space before it) and fast-tokenizer ``words`` (word index per piece)."""

    ids: list[int]
    spans: list[tuple[int, int]]
    offsets: list[tuple[int, int]]
    words: list[int]


def context_alignment(tokenizer, context: str) -> ContextAlignment:
    """Tokenizes ``context`` (no special tokens) and aligns its pieces as HF's fast tokenizer does."""
    encoding = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(encoding["input_ids"])
    spans = [tuple(int(x) for x in o) for o in encoding["offset_mapping"]]
    pieces = tokenizer.convert_ids_to_tokens(ids)
    specials = tokenizer.all_special_tokens
    # An unknown character's <unk> stays inside its word (HF fast's word ids); only a "<unk>" written in
    # the text is a special token of its own.
    unk = tokenizer.unk_token
    words = word_ids([p if p != unk or context[s:e].lower() == unk else "" for p, (s, e) in zip(pieces, spans)],
                     specials)
    return ContextAlignment(ids, spans, metaspace_offsets(context, pieces, spans, specials), words)


def context_windows(question_len: int, context_len: int, max_seq_len: int, doc_stride: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each window's context tokens: ``[CLS] question [SEP] context [SEP]`` in ``max_seq_len``
    tokens, consecutive windows sharing ``doc_stride`` tokens (HF's rule: the stride must be shorter than the
    room the actual question leaves). A one-line ``ValueError`` when no window can be built."""
    budget = max_seq_len - question_len - 3
    if budget <= 0:
        raise ValueError(f"the question is {question_len} tokens long, which leaves no room for the context in "
                         f"max_seq_len={max_seq_len}; shorten the question or lower max_question_len")
    if context_len <= budget:
        return [(0, context_len)]
    if doc_stride >= budget:
        raise ValueError(f"doc_stride={doc_stride} must be smaller than the {budget} context tokens that fit in a "
                         f"window (max_seq_len={max_seq_len} minus the question's {question_len} and 3 special "
                         "tokens); lower doc_stride")
    return overflow_windows(context_len, budget, doc_stride)


def window_feature(tokenizer, question_ids: Sequence[int], context: ContextAlignment, start: int, end: int) -> dict:
    """``[CLS] question [SEP] context[start:end] [SEP]``: its ids, token types, ``p_mask`` (1 where no
    answer may be: the question and special tokens, but not ``[CLS]``) and, per token, the character span
    in the context and the word index (``(0, 0)`` and None off the context)."""
    n_question, n = len(question_ids), end - start
    input_ids = tokenizer.build_inputs_with_special_tokens(list(question_ids), context.ids[start:end])
    p_mask = [1] * (n_question + 2) + [0] * n + [1]
    for k, token in enumerate(input_ids):
        if token == tokenizer.cls_token_id:
            p_mask[k] = 0
    context_start = n_question + 2
    return {"input_ids": input_ids, "token_type_ids": [0] * context_start + [1] * (n + 1), "p_mask": p_mask,
            "offsets": [(0, 0)] * context_start + context.offsets[start:end] + [(0, 0)],
            "word_ids": [None] * context_start + context.words[start:end] + [None]}


def decode_spans(start: np.ndarray, end: np.ndarray, topk: int, max_answer_len: int,
                 undesired_tokens: np.ndarray) -> tuple:
    """The ``topk`` best (start, end) token pairs with ``start <= end < start + max_answer_len`` whose
    ends are both allowed; score = p(start) * p(end)."""
    if start.ndim == 1:
        start = start[None]
    if end.ndim == 1:
        end = end[None]
    outer = np.matmul(np.expand_dims(start, -1), np.expand_dims(end, 1))
    candidates = np.tril(np.triu(outer), max_answer_len - 1)
    scores_flat = candidates.flatten()
    if topk == 1:
        idx_sort = [np.argmax(scores_flat)]
    elif len(scores_flat) < topk:
        idx_sort = np.argsort(-scores_flat)
    else:
        idx = np.argpartition(-scores_flat, topk)[0:topk]
        idx_sort = idx[np.argsort(-scores_flat[idx])]
    starts, ends = np.unravel_index(idx_sort, candidates.shape)[1:]
    # Like HF: the allowed set is `undesired_tokens.nonzero()` of a [1, seq] array, i.e. the allowed
    # columns plus row index 0 (the CLS position, which is allowed anyway).
    allowed = np.asarray(undesired_tokens.nonzero())
    desired = np.isin(starts, allowed) & np.isin(ends, allowed)
    starts, ends = starts[desired], ends[desired]
    return starts, ends, candidates[0, starts, ends]


def select_starts_ends(start, end, p_mask, attention_mask, min_null_score=1000000, top_k=1,
                       handle_impossible_answer=False, max_answer_len=15):
    """Mask question/special/padding tokens, softmax the logits, remember the null (CLS, CLS) score,
    and decode the best spans (HF's ``select_starts_ends``)."""
    undesired_tokens = np.abs(np.array(p_mask) - 1)
    if attention_mask is not None:
        undesired_tokens = undesired_tokens & attention_mask
    undesired_tokens_mask = undesired_tokens == 0.0
    start = np.where(undesired_tokens_mask, -10000.0, start)
    end = np.where(undesired_tokens_mask, -10000.0, end)
    start = np.exp(start - start.max(axis=-1, keepdims=True))
    start = start / start.sum()
    end = np.exp(end - end.max(axis=-1, keepdims=True))
    end = end / end.sum()
    if handle_impossible_answer:
        min_null_score = min(min_null_score, (start[0, 0] * end[0, 0]).item())
    start[0, 0] = end[0, 0] = 0.0
    starts, ends, scores = decode_spans(start, end, top_k, max_answer_len, undesired_tokens)
    return starts, ends, scores, min_null_score


def best_answers(context: str, features: Sequence[Mapping], outputs: Sequence[Mapping], *, top_k: int = 1,
                 handle_impossible_answer: bool = False, max_answer_len: int = DEFAULT_MAX_ANSWER_LEN,
                 align_to_words: bool = True) -> list[dict]:
    """The ``top_k`` best ``{"score", "start", "end", "answer"}`` over one example's windows, best first.

    ``features[i]`` is window i's :func:`window_feature` and ``outputs[i]`` its ``start_logits`` /
    ``end_logits`` (one value per token of the window)."""
    min_null_score = 1000000  # large and positive
    answers: list[dict] = []
    for feature, output in zip(features, outputs):
        start_logits = np.asarray(output["start_logits"])[None]
        end_logits = np.asarray(output["end_logits"])[None]
        attention_mask = np.ones_like(start_logits, dtype=np.int64)
        # Some candidates collapse into one word-aligned answer, so HF decodes more than top_k.
        pre_topk = top_k * 2 + 10 if align_to_words else top_k
        starts, ends, scores, min_null_score = select_starts_ends(
            start_logits, end_logits, np.asarray(feature["p_mask"])[None], attention_mask, min_null_score,
            pre_topk, handle_impossible_answer, max_answer_len,
        )
        for s, e, score in zip(starts, ends, scores):
            start_index, end_index = _char_span(feature, int(s), int(e), align_to_words)
            target_answer = context[start_index:end_index]
            answer = next((a for a in answers if a["answer"].lower() == target_answer.lower()), None)
            if answer:
                answer["score"] += score.item()
            else:
                answers.append({"score": score.item(), "start": start_index, "end": end_index,
                                "answer": target_answer})
    if handle_impossible_answer:
        answers.append({"score": min_null_score, "start": 0, "end": 0, "answer": ""})
    return sorted(answers, key=lambda x: x["score"], reverse=True)[:top_k]


def _char_span(feature: Mapping, s: int, e: int, align_to_words: bool) -> tuple[int, int]:
    """Token span -> character span; with ``align_to_words`` widened to the words (within this window)
    holding the start and end tokens. Tokens off the context (``[CLS]``) use their own offsets."""
    offsets, words = feature["offsets"], feature["word_ids"]
    if align_to_words and words[s] is not None and words[e] is not None:
        start_tokens = [k for k, w in enumerate(words) if w == words[s]]
        end_tokens = [k for k, w in enumerate(words) if w == words[e]]
        return offsets[start_tokens[0]][0], offsets[end_tokens[-1]][1]
    return offsets[s][0], offsets[e][1]
