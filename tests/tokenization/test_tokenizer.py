"""The Python AlbertTokenizer against the outside oracle: HF's slow AlbertTokenizer on the same model."""

import json
import os

import numpy as np
import pytest

from albert_tf.tokenization import AlbertTokenizer, BatchEncoding, constants

from _tok_helpers import REGRESSION_TEXTS, TIE_TEXTS


def test_corpus_single_texts_match_hf(tok, hf_corpus, corpus):
    assert tok(corpus)["input_ids"] == hf_corpus["input_ids"]


def test_corpus_pairs_truncation_padding_match_hf(tok, hf_tok, corpus):
    firsts, seconds = corpus[:1500], corpus[1500:3000]
    for truncation in (True, "only_first", "only_second"):
        kw = dict(truncation=truncation, max_length=48, padding="max_length",
                  return_special_tokens_mask=True)
        ours, ref = tok(firsts, seconds, **kw), hf_tok(firsts, seconds, **kw)
        for key in ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask"):
            assert ours[key] == ref[key], (truncation, key)


@pytest.mark.parametrize("kw", [
    dict(padding=True), dict(padding="longest", pad_to_multiple_of=8), dict(truncation=True, max_length=7),
    dict(max_length=5), dict(padding="max_length", max_length=16, truncation=True),
    dict(add_special_tokens=False, padding=True), dict(return_length=True, padding=True),
])
def test_options_match_hf(tok, hf_tok, kw):
    texts = REGRESSION_TEXTS
    ours = tok(texts, return_special_tokens_mask=True, **kw)
    ref = hf_tok(texts, return_special_tokens_mask=True, **kw)
    assert dict(ours) == {k: ref[k] for k in ref}


def test_score_ties_match_hf(tok, hf_tok):
    assert tok(TIE_TEXTS)["input_ids"] == hf_tok(TIE_TEXTS)["input_ids"]


@pytest.mark.parametrize("text", REGRESSION_TEXTS)
def test_regression_texts(tok, hf_tok, text):
    assert tok.tokenize(text) == hf_tok.tokenize(text)
    assert tok.encode(text) == hf_tok.encode(text)
    assert tok(text, "second [MASK] text") == dict(hf_tok(text, "second [MASK] text"))
    ids = tok.encode(text)
    assert tok.decode(ids) == hf_tok.decode(ids)
    assert tok.decode(ids, skip_special_tokens=True) == hf_tok.decode(ids, skip_special_tokens=True)


@pytest.mark.parametrize("options", [dict(do_lower_case=False), dict(keep_accents=True),
                                     dict(do_lower_case=False, keep_accents=True), dict(remove_space=False)])
def test_other_configurations_match_hf(spm_dir, corpus, options):
    from transformers import AlbertTokenizer as HF

    ours, ref = AlbertTokenizer.from_pretrained(spm_dir, **options), HF.from_pretrained(spm_dir, **options)
    texts = corpus[::10] + REGRESSION_TEXTS + ["x  [MASK]  y", "a \t[MASK]", "A<PAD>"]
    assert ours(texts)["input_ids"] == ref(texts)["input_ids"]


def test_digit_comma_resplit_is_exercised(tok, hf_tok):
    # The session model has pieces like "▁1,"; HF re-splits them into "▁1" + ",".
    assert tok._digit_comma, "the trained model should contain <digit>, pieces"
    text = "In 1,000 years, 25,000 people: 3,4"
    assert tok.tokenize(text) == hf_tok.tokenize(text)
    assert "," in tok.tokenize(text)


def test_api_surface(tok, hf_tok):
    assert tok.vocab_size == hf_tok.vocab_size == len(tok)
    for name in ("pad_token_id", "unk_token_id", "cls_token_id", "sep_token_id", "mask_token_id", "mask_token"):
        assert getattr(tok, name) == getattr(hf_tok, name), name
    assert (tok.pad_token_id, tok.unk_token_id, tok.cls_token_id, tok.sep_token_id, tok.mask_token_id) == (
        constants.PAD_ID, constants.UNK_ID, constants.CLS_ID, constants.SEP_ID, constants.MASK_ID)
    pieces = tok.tokenize("A tokenizer test.")
    assert tok.convert_tokens_to_ids(pieces) == hf_tok.convert_tokens_to_ids(pieces)
    ids = tok.convert_tokens_to_ids(pieces)
    assert tok.convert_ids_to_tokens(ids) == hf_tok.convert_ids_to_tokens(ids)
    assert tok.build_inputs_with_special_tokens([7, 8], [9]) == hf_tok.build_inputs_with_special_tokens([7, 8], [9])
    assert tok.get_special_tokens_mask([7, 8], [9]) == hf_tok.get_special_tokens_mask([7, 8], [9])
    assert tok.get_special_tokens_mask([2, 7, 3], already_has_special_tokens=True) == [1, 0, 1]
    assert tok.create_token_type_ids_from_sequences([7], [8, 9]) == hf_tok.create_token_type_ids_from_sequences([7], [8, 9])
    batch = [tok.encode("one"), tok.encode("two words")]
    assert tok.batch_decode(batch) == hf_tok.batch_decode(batch)


def test_batch_encoding_tensors(tok):
    enc = tok(["short", "a longer text here"], padding=True, return_tensors="tf")
    assert isinstance(enc, BatchEncoding) and isinstance(enc, dict)
    assert enc.input_ids.dtype.name == "int32" and enc.input_ids.shape[0] == 2
    assert enc.input_ids is enc["input_ids"]
    np_enc = tok("single", return_tensors="np")
    assert np_enc["input_ids"].shape == (1, 3) or np_enc["input_ids"].ndim == 2
    with pytest.raises(ValueError, match="different lengths"):
        tok(["a", "a b c d e"], return_tensors="np")


@pytest.mark.parametrize("data", [
    {"input_ids": [[2, 10, 3], [2, 11, 3]], "weights": [[0.5, 1.5], [1.0, 0.25]], "empty": [], "big": [2**40]},
    {"a": np.zeros((1, 3), np.int32), "b": np.ones((1, 3), np.int64), "rows": [np.array([1, 2], np.int32)],
     "flags": [True, False]},
])
def test_tf_tensors_have_hf_dtypes(data):
    # tests/backends checks "np" / "pt" / "jax" the same way, in an environment without TensorFlow.
    import transformers

    ours, theirs = BatchEncoding(dict(data), tensor_type="tf"), transformers.BatchEncoding(dict(data), tensor_type="tf")
    for key in data:
        assert ours[key].dtype == theirs[key].dtype, key
        np.testing.assert_array_equal(ours[key].numpy(), theirs[key].numpy(), err_msg=key)


def test_batch_encoding_feeds_keras_models(tok):
    import keras

    inputs = {k: keras.Input((None,), dtype="int32", name=k) for k in ("input_ids", "attention_mask", "token_type_ids")}
    total = keras.layers.Lambda(lambda d: d["input_ids"] * d["attention_mask"] + d["token_type_ids"])(inputs)
    model = keras.Model(inputs, total)
    enc = tok(["a text", "another one"], padding=True, return_tensors="tf")
    expected = enc["input_ids"].numpy() * enc["attention_mask"].numpy() + enc["token_type_ids"].numpy()
    np.testing.assert_array_equal(model(enc), expected)
    np.testing.assert_array_equal(model(dict(enc)), expected)


def test_bad_input_errors(tok):
    with pytest.raises(ValueError, match="empty batch"):
        tok([])
    with pytest.raises(ValueError, match="UTF-8"):
        tok(b"\xff\xfe")
    with pytest.raises(ValueError, match="must be of type"):  # HF raises ValueError too
        tok(123)
    with pytest.raises(ValueError, match="padding"):
        tok("x", padding="sideways")
    assert tok(b"bytes ok")["input_ids"] == tok("bytes ok")["input_ids"]


def test_save_and_load_roundtrip(tok, tmp_path):
    from transformers import AlbertTokenizer as HF

    tok.save_pretrained(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["special_tokens_map.json", "spiece.model", "tokenizer_config.json"]
    again = AlbertTokenizer.from_pretrained(str(tmp_path))
    hf = HF.from_pretrained(str(tmp_path))
    text = "Round [MASK] trip, 1,000 times."
    assert again.encode(text) == tok.encode(text) == hf.encode(text)
    with open(tmp_path / "tokenizer_config.json") as f:
        assert json.load(f)["do_lower_case"] is True
    (path,) = tok.save_vocabulary(str(tmp_path), filename_prefix="x")
    assert open(path, "rb").read() == tok.serialized_model_proto


def test_from_pretrained_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="spiece.model"):
        AlbertTokenizer.from_pretrained(str(tmp_path))
    import builtins

    real_import = builtins.__import__

    def no_hub(name, *args, **kwargs):
        if name == "huggingface_hub":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_hub)
    with pytest.raises(OSError, match="needs huggingface_hub, which is not installed"):
        AlbertTokenizer.from_pretrained("albert/albert-base-v2")


def test_hub_id_without_network_gives_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OSError, match="Could not download .* from the hub|needs huggingface_hub"):
        AlbertTokenizer.from_pretrained("albert/albert-base-v2-definitely-not-cached")
