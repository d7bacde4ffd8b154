"""Offsets, word ids and decoding as HF's fast ALBERT tokenizer gives them (the oracle), computed from
our tokenizer's visible-character offsets."""

import pytest

from albert_tf.tokenization.alignment import metaspace_decode, metaspace_offsets, overflow_windows, word_ids
from albert_tf.tokenization import AlbertTokenizer
from tests.pipelines.conftest import wiki_sentences

EDGE_TEXTS = ["Hello  world", "x \n y", "(a) (b)", "The [MASK] is here.", "tab\tseparated words",
              "ends with a lone letter a", "  leading spaces"]


@pytest.fixture(scope="module")
def ours(spm_dir):
    return AlbertTokenizer.from_pretrained(spm_dir)


def test_offsets_and_word_ids_match_fast_tokenizer(ours, hf_fast_tokenizer):
    texts = wiki_sentences(min_words=1, max_words=200, limit=400) + EDGE_TEXTS
    compared = 0
    for text in texts:
        fast = hf_fast_tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        encoding = ours(text, add_special_tokens=False, return_offsets_mapping=True)
        if fast["input_ids"] != encoding["input_ids"]:
            continue  # e.g. leading spaces: the fast tokenizer keeps a "▁" piece the slow one strips
        pieces = ours.convert_ids_to_tokens(encoding["input_ids"])
        offsets = metaspace_offsets(text, pieces, encoding["offset_mapping"], ours.all_special_tokens)
        assert offsets == [tuple(o) for o in fast["offset_mapping"]], text
        assert word_ids(pieces, ours.all_special_tokens) == fast.word_ids(), text
        compared += 1
    assert compared >= len(texts) - 2


def test_decode_matches_fast_tokenizer(hf_fast_tokenizer):
    for tokens in (["ide", "\u2581"], ["\u2581he", "ll", "o"], ["\u2581", "x"], ["a", "\u2581b", "\u2581"],
                   ["\u2581\u2581a"], ["<unk>", "\u2581x"], ["[CLS]", "\u2581a"]):
        assert metaspace_decode(tokens) == hf_fast_tokenizer.convert_tokens_to_string(tokens), tokens


def test_overflow_windows_match_fast_tokenizer(hf_fast_tokenizer):
    question = "what is it?"
    context = " ".join(wiki_sentences(limit=3))
    context_ids = hf_fast_tokenizer(context, add_special_tokens=False)["input_ids"]
    question_ids = hf_fast_tokenizer(question, add_special_tokens=False)["input_ids"]
    for max_length, stride in ((20, 3), (20, 0), (25, 5), (16, 2)):
        encoding = hf_fast_tokenizer(question, context, truncation="only_second", max_length=max_length,
                                     stride=stride, return_overflowing_tokens=True)
        windows = [ids[len(question_ids) + 2:-1] for ids in encoding["input_ids"]]
        budget = max_length - len(question_ids) - 3
        expected = [context_ids[s:e] for s, e in overflow_windows(len(context_ids), budget, stride)]
        assert windows == expected, (max_length, stride)
