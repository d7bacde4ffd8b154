"""Fine-tuning data for extractive question answering: SQuAD v1.1 / v2.0 JSON files, windows, decoding.

Features follow HF's ``run_qa``: ``[CLS] question [SEP] context window [SEP]``, the question cut to
``max_query_length`` pieces, long contexts split into windows that share ``doc_stride`` pieces (HF's
meaning of the stride: overlap, not step). A training window that does not contain the whole first
answer (and every window of an unanswerable v2.0 question) points both positions at ``[CLS]``.

Decoding (``Settings.qa_decoding``): ``"pipeline"`` (the default) applies HF's question-answering
pipeline rules (:func:`albert_tf.tasks.answer_spans.best_answers`, ``max_answer_length`` as its
``max_answer_len``, the null answer offered on v2.0 data), so ``evaluate``, ``pipeline`` and the exported
SavedModel answer alike. ``"squad_nbest"`` is HF ``run_qa``'s n-best search: for every window, the
``n_best_size`` best start and end logits, pairs inside the context, end >= start, at most
``max_answer_length`` pieces, scored by the logit sum; the best pair over all windows of a question wins.
For v2.0 data the null answer (both positions on ``[CLS]``, the lowest such score over windows) wins when
it beats the best span by more than ``null_score_diff_threshold``. Exact match and F1 are the official
scripts' (see ``metrics``).

Example:
    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.json")
    >>> data = {"version": "1.1", "data": [{"title": "T", "paragraphs": [{"context": "Paris is in France.",
    ...         "qas": [{"id": "q1", "question": "Where is Paris?",
    ...                  "answers": [{"text": "France", "answer_start": 12}]}]}]}]}
    >>> _ = open(path, "w").write(json.dumps(data))
    >>> [(e.qid, e.answers) for e in SquadQuestions().read(path)]
    [('q1', [('France', 12)])]
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Sequence

import numpy as np

from albert_tf.tasks.answer_spans import best_answers, context_alignment, context_windows, window_feature
from albert_tf.tasks.base import Encoded, Settings
from albert_tf.tasks.data_files import DataFormatError, check_readable, open_text, require_examples


@dataclasses.dataclass
class QAExample:
    qid: str
    question: str
    context: str
    answers: list[tuple[str, int]]  # (text, answer_start); empty when unanswerable
    is_impossible: bool
    version_2: bool
    line: int | None
    path: str = ""


@dataclasses.dataclass
class WindowMeta:
    example_index: int
    # Character span of each token in the example's context; None for question and special tokens.
    offsets: list[tuple[int, int] | None]
    # The window as HF's question-answering pipeline sees it (answer_spans.window_feature), for decoding
    # with the pipeline's rules; None for windows built by hand.
    feature: dict | None = None


class _LineFinder:
    """Lines of the question ids in the raw JSON (json.load keeps no positions): one scan of the text."""

    _ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*")')

    def __init__(self, text: str):
        self.lines: dict[str, list[int]] = {}
        line, position = 1, 0
        for match in self._ID.finditer(text):
            line += text.count("\n", position, match.start())
            position = match.start()
            try:
                qid = json.loads(match.group(1))
            except json.JSONDecodeError:
                continue
            self.lines.setdefault(qid, []).append(line)

    def line_of(self, qid, occurrence: int = 0) -> int | None:
        """Line of the ``occurrence``-th ``"id": qid`` (None if not found)."""
        found = self.lines.get(qid) if isinstance(qid, str) else None
        return found[occurrence] if found and len(found) > occurrence else None


def _where(article: int, paragraph: int | None = None, question: int | None = None) -> str:
    out = f"data[{article}]"
    if paragraph is not None:
        out += f".paragraphs[{paragraph}]"
    if question is not None:
        out += f".qas[{question}]"
    return out


class SquadQuestions:
    """The fine-tuning half of :class:`~albert_tf.tasks.question_answering.QuestionAnsweringTask`."""

    aliases = ("qa", "squad")
    default_max_seq_length = 384
    output_keys = ("start_logits", "end_logits")

    def read(self, path: str, *, require_labels: bool = True, regression: bool = False) -> list[QAExample]:
        """Questions of a SQuAD JSON file, checked: every answer must be found at its ``answer_start``."""
        path = check_readable(path)
        text = open_text(path)
        try:
            root = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataFormatError(path, err.lineno, f"invalid JSON: {err.msg} (column {err.colno})") from None
        if not isinstance(root, dict) or not isinstance(root.get("data"), list):
            raise DataFormatError(path, 1, "a SQuAD file is a JSON object with a 'data' list of articles")
        finder = _LineFinder(text)
        version = str(root.get("version", ""))
        raw_questions = []
        for a, article in enumerate(root["data"]):
            if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
                raise DataFormatError(path, None, f"{_where(a)}: an article needs a 'paragraphs' list")
            for p, paragraph in enumerate(article["paragraphs"]):
                if not isinstance(paragraph, dict):
                    raise DataFormatError(path, None, f"{_where(a, p)}: a paragraph must be a JSON object")
                context = paragraph.get("context")
                if not isinstance(context, str) or not context.strip():
                    raise DataFormatError(path, None, f"{_where(a, p)}: missing or empty 'context'")
                qas = paragraph.get("qas")
                if not isinstance(qas, list):
                    raise DataFormatError(path, None, f"{_where(a, p)}: missing 'qas' list")
                for q, qa in enumerate(qas):
                    raw_questions.append((_where(a, p, q), context, qa))
        version_2 = version.lstrip("v").startswith("2") or any(
            isinstance(qa, dict) and qa.get("is_impossible") for _, _, qa in raw_questions)
        examples, seen = [], {}
        for where, context, qa in raw_questions:
            repeats = 1 if isinstance(qa, dict) and isinstance(qa.get("id"), str) and qa["id"] in seen else 0
            example = self._example(qa, context, where, path, finder, version_2, require_labels, repeats)
            if example.qid in seen:
                raise DataFormatError(path, example.line, f"{where}: question id {example.qid!r} repeats {seen[example.qid]}")
            seen[example.qid] = where
            examples.append(example)
        return require_examples(path, examples)

    @staticmethod
    def _example(qa, context, where, path, finder, version_2, require_labels, occurrence=0) -> QAExample:
        if not isinstance(qa, dict):
            raise DataFormatError(path, None, f"{where}: a question must be a JSON object")
        qid = qa.get("id")
        line = finder.line_of(qid, occurrence)

        def fail(reason):
            raise DataFormatError(path, line, f"{where} (id {qid!r}): {reason}")

        if not isinstance(qid, str) or not qid:
            raise DataFormatError(path, None, f"{where}: missing question 'id'")
        question = qa.get("question")
        if not isinstance(question, str) or not question.strip():
            fail("missing or empty 'question'")
        impossible = qa.get("is_impossible", False)
        if not isinstance(impossible, bool):
            fail(f"'is_impossible' must be true or false, got {json.dumps(impossible)}")
        raw_answers = qa.get("answers", [])
        if not isinstance(raw_answers, list):
            fail("'answers' must be a list")
        answers = []
        for k, answer in enumerate(raw_answers):
            if not isinstance(answer, dict):
                fail(f"answers[{k}] must be a JSON object with 'text' and 'answer_start'")
            answer_text, start = answer.get("text"), answer.get("answer_start")
            if not isinstance(answer_text, str) or not answer_text:
                fail(f"answers[{k}] has no 'text'")
            if isinstance(start, bool) or not isinstance(start, int):
                fail(f"answers[{k}] needs an integer 'answer_start', got {json.dumps(start)}")
            if not 0 <= start <= len(context) - len(answer_text):
                fail(f"answers[{k}]: answer_start={start} is outside the context ({len(context)} characters)")
            found = context[start:start + len(answer_text)]
            if found != answer_text:
                fail(f"answers[{k}]: the context at answer_start={start} reads {found!r}, not {answer_text!r}")
            answers.append((answer_text, start))
        if impossible and answers:
            fail("is_impossible is true but 'answers' is not empty (SQuAD v2.0 keeps those in 'plausible_answers')")
        if require_labels and not impossible and not answers:
            fail("no answers, and not marked is_impossible")
        return QAExample(qid, question, context, answers, impossible, version_2, line, path)

    # -- features ----------------------------------------------------------------------------------
    def encode(self, examples: Sequence[QAExample], tokenizer, settings: Settings, config) -> Encoded:
        rows, meta = [], []
        contexts: dict = {}
        for index, example in enumerate(examples):
            if example.context not in contexts:
                contexts[example.context] = context_alignment(tokenizer, example.context)
            context = contexts[example.context]
            question_ids = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(example.question.lstrip()))
            question_ids = question_ids[: settings.max_query_length]
            if not context.ids:
                raise DataFormatError(example.path, example.line, f"question {example.qid!r}: the context has no tokens")
            try:
                windows = context_windows(len(question_ids), len(context.ids), settings.max_seq_length,
                                          settings.doc_stride)
            except ValueError as error:  # run_qa reserves max_query_length; this is HF's per-question rule
                raise DataFormatError(example.path, example.line, f"question {example.qid!r}: {error}") from None
            prefix = len(question_ids) + 2  # [CLS] question [SEP]
            for start, stop in windows:
                feature = window_feature(tokenizer, question_ids, context, start, stop)
                input_ids = feature["input_ids"]
                offsets = [None] * prefix + context.spans[start:stop] + [None]
                row = {"input_ids": input_ids, "attention_mask": [1] * len(input_ids),
                       "token_type_ids": feature["token_type_ids"]}
                if example.answers or example.is_impossible:
                    row["start_positions"], row["end_positions"] = self._positions(example, offsets, prefix,
                                                                                   prefix + stop - start - 1)
                rows.append(row)
                meta.append(WindowMeta(index, offsets, feature))
        return Encoded(rows, meta)

    @staticmethod
    def _positions(example: QAExample, offsets, first: int, last: int) -> tuple[int, int]:
        """Token span of the first answer in one window, or (0, 0) ([CLS]) when it is not inside."""
        if not example.answers:
            return 0, 0
        text, start_char = example.answers[0]
        end_char = start_char + len(text)
        if not (offsets[first][0] <= start_char and offsets[last][1] >= end_char):
            return 0, 0
        start = first
        while start <= last and offsets[start][0] <= start_char:
            start += 1
        end = last
        while end >= first and offsets[end][1] >= end_char:
            end -= 1
        return start - 1, end + 1

    # -- decoding ----------------------------------------------------------------------------------
    def decode(self, examples, encoded, outputs, settings, config):
        from albert_tf.finetuning import metrics

        answers = self.answers(examples, encoded, outputs, settings)
        predictions = {qid: answer["answer"] for qid, answer in answers.items()}
        dataset = squad_dataset(examples)
        if examples[0].version_2:
            result = metrics.squad_v2_evaluate(dataset, predictions)
        else:
            result = metrics.squad_v1_evaluate(dataset, predictions)
        result["num_examples"] = len(examples)
        result["num_windows"] = len(encoded.rows)
        return result, answers

    def answers(self, examples, encoded, outputs, settings) -> dict[str, dict]:
        """Per question id the best ``{"answer", "score", "start", "end"}`` (character offsets into the
        context), decoded as ``settings.qa_decoding`` says."""
        start_logits, end_logits = outputs["start_logits"], outputs["end_logits"]
        if settings.qa_decoding == "squad_nbest":
            texts, nbest = postprocess(examples, encoded.meta, start_logits, end_logits,
                                       n_best_size=settings.n_best_size, max_answer_length=settings.max_answer_length,
                                       null_score_diff_threshold=settings.null_score_diff_threshold)
            out = {}
            for qid, text in texts.items():
                best = next((c for c in nbest[qid] if c["text"] == text), None)
                out[qid] = {"answer": text, "score": best["score"] if best else 0.0,
                            "start": best["start_char"] if best else 0, "end": best["end_char"] if best else 0}
            return out
        by_example: dict[int, list[int]] = {}
        for i, window in enumerate(encoded.meta):
            by_example.setdefault(window.example_index, []).append(i)
        out = {}
        for index, example in enumerate(examples):
            rows = by_example.get(index, [])
            best = best_answers(example.context, [encoded.meta[i].feature for i in rows],
                                [{"start_logits": start_logits[i], "end_logits": end_logits[i]} for i in rows],
                                handle_impossible_answer=example.version_2,
                                max_answer_len=settings.max_answer_length)
            out[example.qid] = best[0] if best else {"answer": "", "score": 0.0, "start": 0, "end": 0}
        return out

    def primary_metric(self, config, examples):
        return "f1", True


def squad_dataset(examples: Sequence[QAExample]) -> list[dict]:
    """The ``data`` list the official evaluation scripts read, rebuilt from examples."""
    qas = [{"id": e.qid, "answers": [{"text": t, "answer_start": s} for t, s in e.answers]} for e in examples]
    return [{"paragraphs": [{"qas": qas}]}]


def postprocess(examples: Sequence[QAExample], windows: Sequence[WindowMeta], start_logits: Sequence,
                end_logits: Sequence, *, n_best_size: int = 20, max_answer_length: int = 30,
                null_score_diff_threshold: float = 0.0) -> tuple[dict[str, str], dict[str, list[dict]]]:
    """Answer text per question id, and the n-best list per id (dicts with text, score, start/end chars).

    ``start_logits[i]`` / ``end_logits[i]`` are the logits of window ``windows[i]`` (any padding beyond the
    window's length is ignored).

    Example (one question, one window ``[CLS] q [SEP] ctx ctx [SEP]``):
        >>> ex = QAExample("q1", "Who?", "Ada wrote", [], False, False, None)
        >>> win = WindowMeta(0, [None, None, None, (0, 3), (4, 9), None])
        >>> preds, _ = postprocess([ex], [win], [np.array([5., 0, 0, 3, 1, 0])], [np.array([5., 0, 0, 0, 2, 0])])
        >>> preds  # v1.1: the null answer is never chosen; span (3, 4) scores 3 + 2
        {'q1': 'Ada wrote'}
    """
    by_example: dict[int, list[int]] = {}
    for i, window in enumerate(windows):
        by_example.setdefault(window.example_index, []).append(i)
    answers, nbest_lists = {}, {}
    for index, example in enumerate(examples):
        candidates, null_score = [], None
        for i in by_example.get(index, []):
            offsets = windows[i].offsets
            starts = np.asarray(start_logits[i], dtype=np.float64)[: len(offsets)]
            ends = np.asarray(end_logits[i], dtype=np.float64)[: len(offsets)]
            window_null = starts[0] + ends[0]
            if null_score is None or window_null < null_score:
                null_score = window_null
            best_starts = np.argsort(starts, kind="stable")[::-1][:n_best_size]
            best_ends = np.argsort(ends, kind="stable")[::-1][:n_best_size]
            for s in best_starts:
                for e in best_ends:
                    if offsets[s] is None or offsets[e] is None or e < s or e - s + 1 > max_answer_length:
                        continue
                    char_start, char_end = offsets[s][0], offsets[e][1]
                    text = example.context[char_start:char_end]
                    if not text.strip():
                        continue  # a lone word-boundary piece: no visible text to answer with
                    candidates.append({"text": text, "score": float(starts[s] + ends[e]),
                                       "start_char": char_start, "end_char": char_end})
        candidates.sort(key=lambda c: c["score"], reverse=True)
        nbest = candidates[:n_best_size]
        if example.version_2 and null_score is not None:
            null = {"text": "", "score": float(null_score), "start_char": 0, "end_char": 0}
            nbest = sorted(nbest + [null], key=lambda c: c["score"], reverse=True)
            if not candidates or null_score - candidates[0]["score"] > null_score_diff_threshold:
                answers[example.qid] = ""
            else:
                answers[example.qid] = candidates[0]["text"]
        else:
            answers[example.qid] = candidates[0]["text"] if candidates else ""
        nbest_lists[example.qid] = nbest
    return answers, nbest_lists
