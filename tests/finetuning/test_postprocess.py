"""SQuAD span decoding on logits written by hand: n-best over windows, max_answer_length, the context
restriction, and v2.0's null answer with its threshold."""

import numpy as np

from albert_tf.tasks.squad import QAExample, WindowMeta, postprocess

CONTEXT = "Neil Armstrong landed on the Moon in 1969."
# Character spans of the context's words: Neil(0,4) Armstrong(5,14) landed(15,21) on(22,24) the(25,28)
# Moon(29,33) in(34,36) 1969.(37,42)
WORDS = [(0, 4), (5, 14), (15, 21), (22, 24), (25, 28), (29, 33), (34, 36), (37, 42)]


def _example(version_2=False, qid="q"):
    return QAExample(qid, "Who landed?", CONTEXT, [], False, version_2, None)


def _window(words, example_index=0):
    # [CLS] q [SEP] <words> [SEP]: positions 0-2 are not context.
    return WindowMeta(example_index, [None, None, None] + list(words) + [None])


def _logits(n, scores):
    out = np.full(n, -10.0)
    for position, value in scores.items():
        out[position] = value
    return out


def test_best_span_is_the_highest_start_plus_end():
    window = _window(WORDS)
    n = len(window.offsets)
    # start scores: Neil (pos 3) 4, Moon (pos 8) 5; end scores: Armstrong (pos 4) 6, Moon (pos 8) 1.
    # pairs: (3,4) 4+6=10, (3,8) 4+1=5, (8,8) 5+1=6, (8,4) invalid (end < start) -> "Neil Armstrong"
    answers, nbest = postprocess([_example()], [window], [_logits(n, {3: 4, 8: 5})], [_logits(n, {4: 6, 8: 1})])
    assert answers == {"q": "Neil Armstrong"}
    assert [c["text"] for c in nbest["q"][:3]] == ["Neil Armstrong", "Moon", "Neil Armstrong landed on the Moon"]
    assert nbest["q"][0]["score"] == 10.0


def test_max_answer_length_and_context_only():
    window = _window(WORDS)
    n = len(window.offsets)
    # The question tokens (1, 2) and [CLS] score highest but are not context; the span 3..10 (8 words)
    # beats 9..10 but is longer than max_answer_length=3.
    start = _logits(n, {0: 50, 1: 40, 3: 9, 9: 2})
    end = _logits(n, {2: 50, 10: 9})
    answers, _ = postprocess([_example()], [window], [start], [end], max_answer_length=3)
    assert answers == {"q": "in 1969."}
    answers, _ = postprocess([_example()], [window], [start], [end], max_answer_length=8)
    assert answers == {"q": CONTEXT}


def test_best_window_wins_and_padding_is_ignored():
    first, second = _window(WORDS[:5]), _window(WORDS[3:])  # windows share "on the"
    start_a, end_a = _logits(len(first.offsets), {3: 1}), _logits(len(first.offsets), {4: 2})
    start_b, end_b = _logits(len(second.offsets), {5: 3}), _logits(len(second.offsets), {6: 4})
    # window 1: Neil..Armstrong = 1 + 2 = 3; window 2 (positions 3.. = on the Moon in 1969.): Moon..in = 3 + 4 = 7
    padded = np.concatenate([start_a, [99.0, 99.0]])  # logits past a window's length (batch padding) never count
    answers, _ = postprocess([_example()], [first, second], [padded, start_b], [end_a, end_b])
    assert answers == {"q": "Moon in"}


def test_v2_null_answer_and_threshold():
    window = _window(WORDS)
    n = len(window.offsets)
    start = _logits(n, {0: 3.0, 5: 2.0})
    end = _logits(n, {0: 3.0, 5: 2.5})  # null score 3 + 3 = 6, best span "landed" 2 + 2.5 = 4.5
    answers, nbest = postprocess([_example(version_2=True)], [window], [start], [end])
    assert answers == {"q": ""}  # 6 - 4.5 = 1.5 > threshold 0
    assert nbest["q"][0] == {"text": "", "score": 6.0, "start_char": 0, "end_char": 0}
    answers, _ = postprocess([_example(version_2=True)], [window], [start], [end], null_score_diff_threshold=2.0)
    assert answers == {"q": "landed"}  # 1.5 <= 2
    # v1.1 data never answers with the null span, whatever its score.
    answers, _ = postprocess([_example(version_2=False)], [window], [start], [end])
    assert answers == {"q": "landed"}


def test_v2_null_score_is_the_minimum_over_windows():
    first, second = _window(WORDS[:4]), _window(WORDS[2:])
    s1 = _logits(len(first.offsets), {0: 5.0, 3: 1.0})
    e1 = _logits(len(first.offsets), {0: 5.0, 3: 1.0})  # null 10
    s2 = _logits(len(second.offsets), {0: 1.0, 4: 2.0})
    e2 = _logits(len(second.offsets), {0: 1.0, 4: 1.5})  # null 2; best span "on" = 3.5
    answers, _ = postprocess([_example(version_2=True)], [first, second], [s1, s2], [e1, e2])
    # null = min(10, 2) = 2; best span = "on" (3.5) beats "Neil" (1 + 1 = 2); 2 - 3.5 < 0 -> answer
    assert answers == {"q": "on"}


def test_several_examples_are_kept_apart():
    windows = [_window(WORDS, 0), _window(WORDS, 1)]
    n = len(windows[0].offsets)
    starts = [_logits(n, {3: 1}), _logits(n, {10: 1})]
    ends = [_logits(n, {4: 1}), _logits(n, {10: 1})]
    answers, _ = postprocess([_example(qid="a"), _example(qid="b")], windows, starts, ends)
    assert answers == {"a": "Neil Armstrong", "b": "1969."}
