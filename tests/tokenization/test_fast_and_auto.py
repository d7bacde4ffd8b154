"""AlbertTokenizerFast and AutoTokenizer against HF's Rust AlbertTokenizerFast (converted from the same
spiece.model) and HF's slow AlbertTokenizer: the fast-only behaviours (overflow windows as rows with
overflow_to_sample_mapping, is_fast, tokenize with special tokens), return_tensors="pt", AutoTokenizer."""

import json

import numpy as np
import pytest

from albert_tf import AlbertTokenizerFast, AutoTokenizer
from albert_tf.tokenization import AlbertTokenizer


def _agreeing(hf_tok, hf_rust, texts):
    """Texts on which HF's Rust and slow tokenizers give the same ids (they break exact score ties apart)."""
    return [t for t in texts if hf_tok.encode(t) == hf_rust.encode(t)]


def test_ids_are_the_slow_references(fast, hf_tok, corpus):
    texts = corpus[::40]
    assert fast(texts)["input_ids"] == hf_tok(texts)["input_ids"]
    assert fast.is_fast and not AlbertTokenizer.from_pretrained(fast.name_or_path).is_fast


@pytest.mark.parametrize("truncation_side", ["right", "left"])
@pytest.mark.parametrize("stride", [0, 3])
def test_overflow_windows_match_hf_rust(spm_dir, hf_tok, hf_rust, corpus, truncation_side, stride):
    from transformers import AlbertTokenizerFast as HFFast

    ours = AlbertTokenizerFast.from_pretrained(spm_dir, truncation_side=truncation_side)
    rust = HFFast.from_pretrained(spm_dir, from_slow=True, truncation_side=truncation_side)
    texts = _agreeing(hf_tok, hf_rust, corpus[:60])
    assert len(texts) > 40
    options = dict(max_length=16, truncation=True, stride=stride, return_overflowing_tokens=True, padding=True)
    got, ref = ours(texts, **options), rust(texts, **options)
    assert got["overflow_to_sample_mapping"] == ref["overflow_to_sample_mapping"]
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert got[key] == ref[key], key
    assert len(got["input_ids"]) > len(texts), "the texts should overflow"


@pytest.mark.parametrize("truncation", ["only_second", "only_first", "longest_first"])
def test_pair_overflow_matches_hf_rust(fast, hf_tok, hf_rust, corpus, truncation):
    short = _agreeing(hf_tok, hf_rust, [t[:40] for t in corpus[100:160]])[:20]
    long_ = _agreeing(hf_tok, hf_rust, corpus[200:260])[:20]
    # only_second cuts the second (context) and only_first the first; the other must leave room.
    questions, contexts = (long_, short) if truncation == "only_first" else (short, long_)
    options = dict(max_length=24, truncation=truncation, stride=4, return_overflowing_tokens=True)
    got, ref = fast(questions, contexts, **options), hf_rust(questions, contexts, **options)
    assert got["overflow_to_sample_mapping"] == ref["overflow_to_sample_mapping"]
    assert got["input_ids"] == ref["input_ids"]
    assert got["token_type_ids"] == ref["token_type_ids"]
    assert len(got["input_ids"]) > len(questions), "the pairs should overflow"


def test_overflow_offsets_follow_the_windows(fast):
    text = "A rather long review of a film that goes on and on about nothing in particular."
    enc = fast(text, max_length=10, truncation=True, stride=2, return_overflowing_tokens=True,
               return_offsets_mapping=True)
    whole = fast(text, add_special_tokens=False, return_offsets_mapping=True)
    for ids, offsets in zip(enc["input_ids"], enc["offset_mapping"]):
        body = [(i, o) for i, o in zip(ids, offsets) if i not in (fast.cls_token_id, fast.sep_token_id)]
        start = whole["input_ids"].index(body[0][0])
        assert [o for _, o in body] == whole["offset_mapping"][start:start + len(body)]


def test_fast_only_behaviours(fast, hf_rust):
    text = "This is a test"
    assert fast.tokenize(text, add_special_tokens=True) == hf_rust.tokenize(text, add_special_tokens=True)
    for call in (fast.tokenize, fast.encode, fast.encode_plus, fast.batch_encode_plus):
        with pytest.raises(TypeError):
            call(None)


def test_return_tensors_pt_matches_hf(fast, hf_tok):
    torch = pytest.importorskip("torch")
    texts = ["a short one", "and a somewhat longer second text"]
    got, ref = fast(texts, padding=True, return_tensors="pt"), hf_tok(texts, padding=True, return_tensors="pt")
    for key in ref:
        assert isinstance(got[key], torch.Tensor) and got[key].dtype == ref[key].dtype
        np.testing.assert_array_equal(got[key].numpy(), ref[key].numpy())


def test_auto_tokenizer(spm_dir, tmp_path, hf_tok):
    tok = AutoTokenizer.from_pretrained(spm_dir)
    assert type(tok) is AlbertTokenizerFast
    assert type(AutoTokenizer.from_pretrained(spm_dir, use_fast=False)) is AlbertTokenizer
    assert tok.encode("Auto loads it.") == hf_tok.encode("Auto loads it.")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ValueError, match="bert"):
        AutoTokenizer.from_pretrained(str(tmp_path))
