"""``question-answering``: extractive answers with character offsets into the context, as HF 4.x's
``QuestionAnsweringPipeline`` with ALBERT's default (fast) tokenizer.

Long contexts are split into overlapping windows (``doc_stride`` tokens of overlap, the fast
tokenizer's ``return_overflowing_tokens`` layout) and the best spans of all windows are merged. Answers
are widened to whole words (``align_to_words=True``), where a word is what the fast tokenizer's
``Metaspace`` step splits on; as in HF, a word's span includes the space before it, so an answer in the
middle of the context starts with that space.

Example:
    >>> from albert_tf import pipeline
    >>> qa = pipeline("question-answering", model="path/to/albert-squad")  # doctest: +SKIP
    >>> qa(question="Where do I live?", context="My name is Wolfgang and I live in Berlin")  # doctest: +SKIP
    {'score': 0.91..., 'start': 33, 'end': 40, 'answer': ' Berlin'}
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np

from albert_tf.pipelines.base import Pipeline, _positive_int
# The window features and span rules live with the head; `evaluate` decodes with them too.
from albert_tf.tasks.answer_spans import (DEFAULT_MAX_ANSWER_LEN, DEFAULT_MAX_QUESTION_LEN,  # noqa: F401
                                          DEFAULT_MAX_SEQ_LEN, best_answers, context_alignment, context_windows,
                                          decode_spans,
                                          select_starts_ends, window_feature)


class QuestionAnsweringPipeline(Pipeline):
    """Answers a question from a context.

    Inputs: ``pipe(question=..., context=...)`` (strings, or lists of them), a ``{"question", "context"}``
    dict, a list of such dicts, or ``pipe(question, context)``.

    Call parameters: ``top_k`` (default 1), ``doc_stride`` (overlap of context windows; default
    ``min(max_seq_len // 2, 128)``), ``max_answer_len`` (tokens, default 15), ``max_seq_len`` (window
    length; default ``min(model max length, 384)``), ``max_question_len`` (question tokens kept, default
    64), ``handle_impossible_answer`` (also offer the empty answer), ``align_to_words`` (default True).

    Returns ``{"score", "start", "end", "answer"}`` (a list of them when ``top_k`` > 1 finds several);
    ``start``/``end`` are character offsets into the context and ``answer == context[start:end]``.
    """

    task = "question-answering"
    supported_models = ("TFAlbertForQuestionAnswering",)
    _token_level_outputs = ("start_logits", "end_logits")

    def _sanitize_parameters(self, padding=None, topk=None, top_k=None, doc_stride=None, max_answer_len=None,
                             max_seq_len=None, max_question_len=None, handle_impossible_answer=None,
                             align_to_words=None):
        preprocess_params, postprocess_params = {}, {}
        # `padding` only changed how HF padded each window; batches here are padded anyway (masked).
        if padding not in (None, False, True, "do_not_pad", "longest", "max_length"):
            raise ValueError(f"padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}")
        if doc_stride is not None:
            if isinstance(doc_stride, bool) or not isinstance(doc_stride, (int, np.integer)) or doc_stride < 0:
                raise ValueError(f"doc_stride must be a non-negative integer, got {doc_stride!r}")
            preprocess_params["doc_stride"] = int(doc_stride)
        if max_question_len is not None:
            preprocess_params["max_question_len"] = _positive_int(max_question_len, "max_question_len")
        if max_seq_len is not None:
            preprocess_params["max_seq_len"] = _positive_int(max_seq_len, "max_seq_len")
        if topk is not None and top_k is None:
            warnings.warn("topk parameter is deprecated, use top_k instead", UserWarning, stacklevel=3)
            top_k = topk
        if top_k is not None:
            if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1:
                raise ValueError(f"top_k parameter should be >= 1 (got {top_k})")
            postprocess_params["top_k"] = int(top_k)
        if max_answer_len is not None:
            if isinstance(max_answer_len, bool) or not isinstance(max_answer_len, (int, np.integer)) \
                    or max_answer_len < 1:
                raise ValueError(f"max_answer_len parameter should be >= 1 (got {max_answer_len})")
            postprocess_params["max_answer_len"] = int(max_answer_len)
        if handle_impossible_answer is not None:
            postprocess_params["handle_impossible_answer"] = bool(handle_impossible_answer)
        if align_to_words is not None:
            postprocess_params["align_to_words"] = bool(align_to_words)
        return preprocess_params, postprocess_params

    def __call__(self, *args, **kwargs):
        examples = self._examples(args, kwargs)
        if len(examples) == 1:
            return super().__call__(examples[0], **kwargs)
        return super().__call__(examples, **kwargs)

    @staticmethod
    def _examples(args: tuple, kwargs: dict) -> list[dict]:
        """HF's ways of passing questions and contexts -> a list of {"question", "context"} dicts."""
        if args:
            if len(args) == 1:
                inputs = args[0]
            elif len(args) == 2 and all(isinstance(a, str) for a in args):
                inputs = [{"question": args[0], "context": args[1]}]
            else:
                inputs = list(args)
        elif "question" in kwargs and "context" in kwargs:
            question, context = kwargs.pop("question"), kwargs.pop("context")
            if isinstance(question, list) and isinstance(context, str):
                inputs = [{"question": q, "context": context} for q in question]
            elif isinstance(question, list) and isinstance(context, list):
                if len(question) != len(context):
                    raise ValueError("Questions and contexts don't have the same lengths")
                inputs = [{"question": q, "context": c} for q, c in zip(question, context)]
            elif isinstance(question, str) and isinstance(context, str):
                inputs = [{"question": question, "context": context}]
            else:
                raise ValueError("question and context must be strings or lists of strings")
        else:
            raise ValueError("pass question= and context= (or a {'question': ..., 'context': ...} dict)")
        if isinstance(inputs, Mapping):
            inputs = [inputs]
        elif isinstance(inputs, Iterable) and not isinstance(inputs, str):
            inputs = list(inputs)
        else:
            raise ValueError(f"{inputs!r} argument needs to be a {{'question', 'context'}} dict")
        examples = []
        for item in inputs:
            if not isinstance(item, Mapping):
                raise ValueError(f"{item!r} argument needs to be a {{'question', 'context'}} dict")
            for key in ("question", "context"):
                if key not in item:
                    raise KeyError("You need to provide a dictionary with keys {question:..., context:...}")
                if item[key] is None:
                    raise ValueError(f"`{key}` cannot be None")
                if not isinstance(item[key], str):
                    raise TypeError(f"`{key}` must be a string, got {type(item[key]).__name__}")
                if len(item[key]) == 0:
                    raise ValueError(f"`{key}` cannot be empty")
            examples.append({"question": item["question"], "context": item["context"]})
        return examples

    def preprocess(self, example, doc_stride=None, max_question_len=DEFAULT_MAX_QUESTION_LEN,
                   max_seq_len=None) -> list[dict]:
        tokenizer = self.tokenizer
        limit = self.max_length if self.max_length is not None else DEFAULT_MAX_SEQ_LEN
        if max_seq_len is None:
            max_seq_len = min(limit, DEFAULT_MAX_SEQ_LEN)
        elif max_seq_len > limit:
            raise ValueError(f"max_seq_len ({max_seq_len}) is larger than the model takes ({limit})")
        if doc_stride is None:
            doc_stride = min(max_seq_len // 2, 128)
        if doc_stride > max_seq_len:
            raise ValueError(f"`doc_stride` ({doc_stride}) is larger than `max_seq_len` ({max_seq_len})")

        question_ids = tokenizer(example["question"], add_special_tokens=False)["input_ids"][:max_question_len]
        context = context_alignment(tokenizer, example["context"])
        context_ids = context.ids

        windows = context_windows(len(question_ids), len(context_ids), max_seq_len, doc_stride)
        return [window_feature(tokenizer, question_ids, context, start, end) for start, end in windows]

    def _select_outputs(self, output, input_ids):
        return {"start_logits": output["start_logits"], "end_logits": output["end_logits"]}

    def postprocess(self, example, features, outputs, top_k=1, handle_impossible_answer=False,
                    max_answer_len=DEFAULT_MAX_ANSWER_LEN, align_to_words=True):
        answers = best_answers(example["context"], features, outputs, top_k=top_k,
                               handle_impossible_answer=handle_impossible_answer, max_answer_len=max_answer_len,
                               align_to_words=align_to_words)
        if len(answers) == 1:
            return answers[0]
        return answers
