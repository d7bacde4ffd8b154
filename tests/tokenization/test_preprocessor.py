"""The in-graph AlbertPreprocessor against HF's slow AlbertTokenizer on the same model."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from albert_tf.tokenization import AlbertPreprocessor

from _tok_helpers import ALBERT_USER_DEFINED, REGRESSION_TEXTS, TIE_TEXTS, edited_model, make_user_defined


def _rows(out, key="input_ids"):
    ids, mask = out[key].numpy(), out["attention_mask"].numpy()
    return [r[m == 1].tolist() for r, m in zip(ids, mask)]


@pytest.fixture(scope="module")
def pre(spm_dir):
    return AlbertPreprocessor.from_pretrained(spm_dir, max_length=128, return_special_tokens_mask=True)


@pytest.fixture(scope="module")
def pre_fn(pre):
    return tf.function(lambda x: pre(x))


def test_corpus_matches_hf_exactly(spm_dir, hf_corpus, corpus):
    pre = AlbertPreprocessor.from_pretrained(spm_dir, max_length=None, return_special_tokens_mask=True)
    fn = tf.function(lambda x: pre(x), input_signature=[tf.TensorSpec([None], tf.string)])
    got = {key: [] for key in ("input_ids", "token_type_ids", "special_tokens_mask")}
    for start in range(0, len(corpus), 4096):  # batches like a tf.data pipeline would use
        out = fn(tf.constant(corpus[start:start + 4096]))
        for key in got:
            got[key] += _rows(out, key)
    mismatches = [i for i in range(len(corpus)) if got["input_ids"][i] != hf_corpus["input_ids"][i]]
    assert not mismatches, [corpus[i] for i in mismatches[:5]]
    assert got["token_type_ids"] == hf_corpus["token_type_ids"]
    assert got["special_tokens_mask"] == hf_corpus["special_tokens_mask"]


def test_regression_texts_exact(pre, hf_tok):
    texts = REGRESSION_TEXTS + TIE_TEXTS
    out = pre(tf.constant(texts))
    assert _rows(out) == hf_tok(texts, truncation=True, max_length=128)["input_ids"]


def test_score_ties_match_hf(spm_dir, pre, hf_tok):
    """The tie families, in the ids path and the offsets path; plain tensorflow-text gets them wrong."""
    ref = hf_tok(TIE_TEXTS)["input_ids"]
    assert _rows(pre(tf.constant(TIE_TEXTS))) == ref
    with_offsets = AlbertPreprocessor.from_pretrained(spm_dir, return_offsets=True)
    assert _rows(with_offsets(tf.constant(TIE_TEXTS))) == ref
    import tensorflow_text as tf_text

    with open(os.path.join(spm_dir, "spiece.model"), "rb") as f:
        plain = tf_text.SentencepieceTokenizer(model=f.read())
    normalized = [hf_tok.preprocess_text(t) for t in TIE_TEXTS if "[MASK]" not in t]
    plain_ids = plain.tokenize(tf.constant(normalized)).to_list()
    differ = sum(p != hf_tok.sp_model.encode(t) for p, t in zip(plain_ids, normalized))
    assert differ >= 10, "these texts should exercise the tie handling"


def test_albert_style_vocabulary_matches_hf(spm_dir, corpus, tmp_path):
    """Google's ALBERT vocabularies have user-defined symbols, which SentencePiece scores specially (and
    tensorflow-text differently from Python): the session model with ALBERT's symbols made user-defined."""
    from transformers import AlbertTokenizer as HF

    with open(os.path.join(spm_dir, "spiece.model"), "rb") as f:
        proto = edited_model(f.read(), make_user_defined(ALBERT_USER_DEFINED))
    (tmp_path / "spiece.model").write_bytes(proto)
    hf = HF.from_pretrained(str(tmp_path))
    pre = AlbertPreprocessor(model_proto=proto, max_length=None)
    texts = corpus[::25] + TIE_TEXTS + REGRESSION_TEXTS
    assert _rows(pre(tf.constant(texts))) == hf(texts)["input_ids"]


@pytest.mark.parametrize("truncation", ["longest_first", "only_first", "only_second"])
def test_pairs_truncation_padding(spm_dir, hf_tok, corpus, truncation):
    pre = AlbertPreprocessor.from_pretrained(spm_dir, max_length=24, truncation=truncation,
                                             pad_to_multiple_of=8, return_special_tokens_mask=True)
    a, b = corpus[:400] + REGRESSION_TEXTS, corpus[400:800] + REGRESSION_TEXTS[::-1]
    out = pre((tf.constant(a), tf.constant(b)))
    ref = hf_tok(a, b, truncation=truncation, max_length=24, padding=True, pad_to_multiple_of=8,
                 return_special_tokens_mask=True)
    for key in ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask"):
        np.testing.assert_array_equal(out[key].numpy(), np.array(ref[key]), err_msg=key)
    assert out["input_ids"].shape[1] % 8 == 0


def test_pads_to_longest_not_max_length(pre):
    out = pre(tf.constant(["short", "a bit longer text"]))
    assert out["input_ids"].shape[1] < 20


def test_multiple_choice(pre, hf_tok):
    q = ["Which one?", "Pick [MASK]"]
    choices = [["this", "that one", "other"], ["x", "y z", "w"]]
    out = pre((tf.constant(q), tf.constant(choices)))
    assert out["input_ids"].shape[:2] == (2, 3)
    flat_q = [x for x in q for _ in range(3)]
    ref = hf_tok(flat_q, [c for row in choices for c in row], padding=True)
    np.testing.assert_array_equal(out["input_ids"].numpy().reshape(6, -1), np.array(ref["input_ids"]))


@pytest.mark.parametrize("options", [dict(do_lower_case=False), dict(keep_accents=True), dict(remove_space=False)])
def test_other_configurations(spm_dir, corpus, options):
    from transformers import AlbertTokenizer as HF

    hf = HF.from_pretrained(spm_dir, **options)
    pre = AlbertPreprocessor.from_pretrained(spm_dir, max_length=None, **options)
    texts = corpus[::20] + REGRESSION_TEXTS + TIE_TEXTS + ["x  [MASK]  y", "a \t[MASK]", "A<PAD>"]
    assert _rows(pre(tf.constant(texts))) == hf(texts)["input_ids"]


def _normalized(tok, s):
    return tok.sp_model.normalize(tok.preprocess_text(s)).replace(" ", "").replace("\u2581", "")


OFFSET_TEXTS = ["Café au lait, naïve Zoë!", "Crème brûlée coûte 1,000 €", "中文字 日本語のテキスト",
                "e\u0301te\u0301  e\u0301clair", "ﬁne ½ Ⅳ", "Hello [MASK] world", "  lots   of   space  ",
                "``quoted''", "mixed Ελληνικά ΟΔΟΣ text", "", "the film the film Hmmm. (iii) 9,999,999 caf\u00e9 hmmm"]


@pytest.mark.parametrize("unit", ["char", "byte"])
def test_offsets_point_at_original_substrings(spm_dir, tok, unit):
    pre = AlbertPreprocessor.from_pretrained(spm_dir, return_offsets=True, offset_unit=unit)
    out = pre(tf.constant(OFFSET_TEXTS))
    assert _rows(out) == [tok.encode(t) for t in OFFSET_TEXTS]
    for row, text in enumerate(OFFSET_TEXTS):
        ids = _rows(out)[row]
        offsets = out["offsets"].numpy()[row][: len(ids)]
        source = text if unit == "char" else text.encode("utf-8")
        groups = {}
        for token_id, (s, e) in zip(ids, offsets):
            if token_id in (tok.cls_token_id, tok.sep_token_id):
                assert (s, e) == (0, 0)
                continue
            if token_id == tok.unk_token_id:  # unknown pieces: compare the surface instead
                assert e > s
                continue
            groups.setdefault((int(s), int(e)), []).append(tok.convert_ids_to_tokens(token_id))
        for (s, e), pieces in groups.items():
            piece_text = "".join(pieces).replace("\u2581", "")
            sub = source[s:e] if unit == "char" else source[s:e].decode("utf-8")
            if pieces == ["[MASK]"]:
                assert sub == "[MASK]"
            else:
                assert _normalized(tok, sub) == piece_text, (text, sub, pieces)
    # Python tokenizer offsets agree on the same property.
    enc = tok(OFFSET_TEXTS[:3], return_offsets_mapping=True)
    for text, ids, offs in zip(OFFSET_TEXTS, enc["input_ids"], enc["offset_mapping"]):
        for token_id, (s, e) in zip(ids[1:-1], offs[1:-1]):
            if token_id == tok.unk_token_id:
                continue
            assert tok.convert_ids_to_tokens(token_id).replace("\u2581", "") in _normalized(tok, text[s:e])


def test_detokenize(pre, tok):
    texts = ["A fine film.", "Caf\u00e9 [MASK] time"]
    out = pre(tf.constant(texts))
    got = [s.decode("utf-8") for s in pre.detokenize(out["input_ids"]).numpy()]
    assert got == [tok.decode(tok.encode(t), skip_special_tokens=True) for t in texts]


def test_keras_serialization_safe_mode(pre, tmp_path):
    import keras

    inp = keras.Input(shape=(), dtype="string")
    model = keras.Model(inp, pre(inp))
    path = str(tmp_path / "pre.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = tf.constant(["Serialize [MASK] me", "twice"])
    np.testing.assert_array_equal(loaded(x)["input_ids"], pre(x)["input_ids"])
    again = AlbertPreprocessor.from_config(pre.get_config())
    np.testing.assert_array_equal(again(x)["input_ids"], pre(x)["input_ids"])


def test_bad_inputs(pre):
    with pytest.raises(tf.errors.InvalidArgumentError):
        pre(tf.constant([b"\xff\xfe bad"]))
    with pytest.raises(ValueError, match="rank 1"):
        pre(tf.constant([["a", "b"]]))
    with pytest.raises(TypeError, match="string"):
        pre(tf.constant([1, 2]))
    empty = pre(tf.constant([], tf.string))
    assert empty["input_ids"].shape[0] == 0


def test_saved_model_reloads_with_only_tf_and_tf_text(pre, hf_tok, tmp_path):
    class Serving(tf.Module):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, texts):
            return self.layer(texts)

    export = str(tmp_path / "saved")
    tf.saved_model.save(Serving(pre), export)
    texts = ["Reload [MASK] me, 1,000 times", "\u4e2d\u6587 caf\u00e9"]
    script = textwrap.dedent(f"""
        import sys, json
        import tensorflow as tf
        import tensorflow_text  # registers the SentencePiece ops
        assert "albert_tf" not in sys.modules and "keras_hub" not in sys.modules
        m = tf.saved_model.load({export!r})
        out = m(tf.constant({texts!r}))
        print(json.dumps(out["input_ids"].numpy().tolist()))
    """)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    import json

    got = json.loads(res.stdout.strip().splitlines()[-1])
    ref = hf_tok(texts, padding=True)["input_ids"]
    assert got == ref


# padding_side / truncation_side: every combination, singles and pairs, against HF's slow tokenizer with the
# same settings (the oracle) and our Python tokenizer; offsets against our Python tokenizer's offset_mapping.
SIDES = [("right", "right"), ("left", "right"), ("right", "left"), ("left", "left")]


def _side_tokenizers(spm_dir, padding_side, truncation_side):
    from transformers import AlbertTokenizer as HF

    from albert_tf.tokenization import AlbertTokenizer

    sides = dict(padding_side=padding_side, truncation_side=truncation_side)
    return HF.from_pretrained(spm_dir, **sides), AlbertTokenizer.from_pretrained(spm_dir, **sides)


@pytest.mark.parametrize("padding_side,truncation_side", SIDES)
@pytest.mark.parametrize("truncation", [None, "longest_first", "only_first", "only_second"])
def test_padding_and_truncation_sides_match_tokenizers(spm_dir, corpus, padding_side, truncation_side,
                                                        truncation):
    hf, ours = _side_tokenizers(spm_dir, padding_side, truncation_side)
    pre = AlbertPreprocessor.from_pretrained(spm_dir, max_length=24, truncation=truncation or "longest_first",
                                             padding_side=padding_side, truncation_side=truncation_side,
                                             pad_to_multiple_of=8, return_special_tokens_mask=True)
    a = corpus[:150] + REGRESSION_TEXTS
    b = corpus[150:300] + REGRESSION_TEXTS[::-1]
    options = dict(truncation=True, max_length=24, padding=True, pad_to_multiple_of=8,
                   return_special_tokens_mask=True)
    if truncation is None:  # single sequences
        out, args = pre(tf.constant(a)), (a,)
    else:
        out, args = pre((tf.constant(a), tf.constant(b))), (a, b)
        options["truncation"] = truncation
    hf_ref, our_ref = hf(*args, **options), ours(*args, **options)
    for key in ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask"):
        np.testing.assert_array_equal(out[key].numpy(), np.array(hf_ref[key]), err_msg=key)
        np.testing.assert_array_equal(out[key].numpy(), np.array(our_ref[key]), err_msg=key)
    lengths = out["attention_mask"].numpy().sum(1)
    assert lengths.min() < 24 <= lengths.max(), "the texts should need truncation and padding"


@pytest.mark.parametrize("padding_side,truncation_side", SIDES[1:])
def test_sides_with_offsets_match_tokenizer(spm_dir, padding_side, truncation_side):
    _, ours = _side_tokenizers(spm_dir, padding_side, truncation_side)
    pre = AlbertPreprocessor.from_pretrained(spm_dir, max_length=12, padding_side=padding_side,
                                             truncation_side=truncation_side, return_offsets=True)
    questions = ["Who wrote the Café menu, and when?", "Why?"]
    contexts = ["Zoë wrote it in 1,999 for a naïve crowd of diners.", "Because the long context goes on."]
    out = pre((tf.constant(questions), tf.constant(contexts)))
    ref = ours(questions, contexts, truncation=True, max_length=12, padding=True, return_offsets_mapping=True)
    np.testing.assert_array_equal(out["input_ids"].numpy(), np.array(ref["input_ids"]))
    np.testing.assert_array_equal(out["offsets"].numpy(), np.array(ref["offset_mapping"]))


def test_sides_in_config_and_errors(spm_dir, tok):
    pre = AlbertPreprocessor.from_pretrained(spm_dir, padding_side="left", truncation_side="left")
    config = pre.get_config()
    assert (config["padding_side"], config["truncation_side"]) == ("left", "left")
    again = AlbertPreprocessor.from_config(config)
    x = tf.constant(["left padded", "a longer left padded row"])
    np.testing.assert_array_equal(again(x)["input_ids"], pre(x)["input_ids"])
    # The exporters build from a tokenizer: they keep right padding / truncation whatever it was saved with.
    tok_left = type(tok).from_pretrained(spm_dir, padding_side="left", truncation_side="left")
    default = AlbertPreprocessor.from_tokenizer(tok_left)
    assert (default.padding_side, default.truncation_side) == ("right", "right")
    with pytest.raises(ValueError, match="padding_side must be 'right' or 'left', got 'top'"):
        AlbertPreprocessor.from_pretrained(spm_dir, padding_side="top")
    with pytest.raises(ValueError, match="truncation_side must be 'right' or 'left'"):
        AlbertPreprocessor.from_pretrained(spm_dir, truncation_side=None)
