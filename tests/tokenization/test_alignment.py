"""BatchEncoding's alignment API (word_ids, sequence_ids, tokens, token_to_word, word_to_tokens,
char_to_token, ...) of AlbertTokenizerFast against HF's Rust AlbertTokenizerFast converted from the same
spiece.model, on texts where HF's Rust and slow tokenizers give the same ids; and HF's errors on the slow
tokenizer's BatchEncoding against HF's slow AlbertTokenizer.

Offsets are ours (the slow reference's), which differ from HF's Rust ones in two ways: a piece's span
leaves out the space its ``▁`` stands for (HF's takes it in), and a lone ``▁`` piece spans nothing (HF's
spans the next character). So the character lookups are compared at non-space characters held by a token
whose span ends where HF's does, and a word's character span where its edge tokens' spans agree.
"""

import pickle

import numpy as np
import pytest

from albert_tf import AlbertTokenizerFast
from albert_tf.tokenization import AlbertTokenizer
from albert_tf.tokenization.batch_encoding import CharSpan, Encoding, TokenSpan


@pytest.fixture(scope="module")
def texts(hf_tok, hf_rust, corpus):
    agreeing = [t for t in corpus[:400:4] if hf_tok.encode(t) == hf_rust.encode(t)]
    assert len(agreeing) > 60
    return agreeing


def _same_span(ours, theirs, token) -> bool:
    (start, end), (ref_start, ref_end) = ours.offsets[token], theirs.offsets[token]
    return start < end and end == ref_end and ref_start <= start


def _assert_rows_align(got, ref, rows, firsts, seconds=None, token_strings=True):
    """Every alignment lookup of each row of ``got`` equals HF's ``ref``."""
    assert got["input_ids"] == ref["input_ids"]
    assert got.is_fast and ref.is_fast and len(got.encodings) == len(ref.encodings) == rows
    for b in range(rows):
        ours, theirs = got.encodings[b], ref.encodings[b]
        if token_strings:
            assert got.tokens(b) == ref.tokens(b)
        else:  # HF's Rust tokens() shows an lstrip added token with the space it took (" [MASK]")
            assert got.tokens(b) == [t.strip() for t in ref.tokens(b)]
        assert got.word_ids(b) == ref.word_ids(b)
        assert got.sequence_ids(b) == ref.sequence_ids(b)
        for name in ("ids", "type_ids", "attention_mask", "special_tokens_mask", "n_sequences"):
            assert getattr(ours, name) == getattr(theirs, name), (b, name)
        n = len(ours.ids)
        for i in range(n):
            assert got.token_to_word(b, i) == ref.token_to_word(b, i), (b, i)
            assert got.token_to_sequence(b, i) == ref.token_to_sequence(b, i), (b, i)
        # Negative token indices count from the end (HF's own need a padded batch to do so).
        assert got.token_to_word(b, -2) == ref.token_to_word(b, n - 2)
        assert got.token_to_sequence(b, -n) == ref.token_to_sequence(b, 0)
        for seq in range(ours.n_sequences):
            words = {w for w in ours.word_ids if w is not None}
            for w in words | {max(words) + 1}:
                assert got.word_to_tokens(b, w, sequence_index=seq) == ref.word_to_tokens(b, w, sequence_index=seq)
                tokens = got.word_to_tokens(b, w, sequence_index=seq)
                span = got.word_to_chars(b, w, sequence_index=seq)
                if tokens is None:
                    assert span is None
                    continue
                assert span == (ours.offsets[tokens.start][0], ours.offsets[tokens.end - 1][1])
                if _same_span(ours, theirs, tokens.start) and _same_span(ours, theirs, tokens.end - 1):
                    theirs_span = ref.word_to_chars(b, w, sequence_index=seq)
                    assert span.end == theirs_span.end and theirs_span.start <= span.start
        # Character lookups: the sequence's own text, at characters that are not spaces.
        mapping = ref.get("overflow_to_sample_mapping")
        sample = mapping[b] if mapping is not None else b
        for seq, source in enumerate((firsts, seconds)):
            if source is None or seq >= ours.n_sequences:
                continue
            text = source[sample]
            for c in range(len(text)):
                held = ref.char_to_token(b, c, seq)
                if not text[c].isspace() and (held is None or _same_span(ours, theirs, held)):
                    assert got.char_to_token(b, c, seq) == ref.char_to_token(b, c, seq), (b, seq, c, text)
                    assert got.char_to_word(b, c, seq) == ref.char_to_word(b, c, seq), (b, seq, c, text)


def test_single_texts_batch_and_one(fast, hf_rust, texts):
    batch = texts[:30]
    _assert_rows_align(fast(batch), hf_rust(batch), len(batch), batch)
    got, ref = fast(batch[0]), hf_rust(batch[0])
    _assert_rows_align(got, ref, 1, batch[:1])
    # The one-argument form means row 0.
    last = len(got["input_ids"]) - 1
    assert got.token_to_word(last - 1) == ref.token_to_word(last - 1) == got.token_to_word(0, last - 1)
    assert got.word_to_tokens(0) == ref.word_to_tokens(0) and isinstance(got.word_to_tokens(0), TokenSpan)
    assert got.token_to_chars(1) == CharSpan(*fast(batch[0], return_offsets_mapping=True)["offset_mapping"][1])
    assert got.n_sequences == ref.n_sequences == 1


@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pairs_padded_on_either_side(fast, hf_rust, texts, padding_side):
    firsts, seconds = [t[:50] for t in texts[30:50]], texts[50:70]
    firsts_ok = [(a, b) for a, b in zip(firsts, seconds) if fast.encode(a) == hf_rust.encode(a)]
    firsts, seconds = [a for a, _ in firsts_ok], [b for _, b in firsts_ok]
    assert len(firsts) > 10
    options = dict(padding="max_length", max_length=160, truncation=True, padding_side=padding_side,
                   return_offsets_mapping=True)
    got, ref = fast(firsts, seconds, **options), hf_rust(firsts, seconds, **options)
    _assert_rows_align(got, ref, len(firsts), firsts, seconds)
    assert got.n_sequences == ref.n_sequences == 2
    assert any(None in got.word_ids(b)[len(got.encodings[b].ids) // 2:] for b in range(len(firsts)))


@pytest.mark.parametrize("truncation_side", ["right", "left"])
def test_truncation_and_overflow_windows(spm_dir, hf_rust, texts, truncation_side):
    from transformers import AlbertTokenizerFast as HFFast

    ours = AlbertTokenizerFast.from_pretrained(spm_dir, truncation_side=truncation_side)
    rust = HFFast.from_pretrained(spm_dir, from_slow=True, truncation_side=truncation_side)
    batch = texts[70:90]
    options = dict(max_length=12, truncation=True)
    _assert_rows_align(ours(batch, **options), rust(batch, **options), len(batch), batch)
    options.update(stride=3, return_overflowing_tokens=True, padding=True)
    got, ref = ours(batch, **options), rust(batch, **options)
    assert got["overflow_to_sample_mapping"] == ref["overflow_to_sample_mapping"]
    assert len(got["input_ids"]) > len(batch)
    _assert_rows_align(got, ref, len(got["input_ids"]), batch)
    questions, contexts = [t[:30] for t in texts[:10]], texts[10:20]
    pairs = [(q, c) for q, c in zip(questions, contexts) if ours.encode(q) == rust.encode(q)]
    questions, contexts = [q for q, _ in pairs], [c for _, c in pairs]
    options = dict(max_length=30, truncation="only_second", stride=4, return_overflowing_tokens=True)
    got, ref = ours(questions, contexts, **options), rust(questions, contexts, **options)
    _assert_rows_align(got, ref, len(got["input_ids"]), questions, contexts)


def test_split_into_words(fast, hf_rust, texts):
    words = [t.split() for t in texts[90:110] if t.split()]
    words = [w for w in words if all(fast.encode(x) == hf_rust.encode(x) for x in w)]
    assert len(words) > 8
    got, ref = fast(words, is_split_into_words=True), hf_rust(words, is_split_into_words=True)
    _assert_rows_align(got, ref, len(words), None)  # character positions are per word: checked below
    for b, given in enumerate(words):
        assert max(w for w in got.word_ids(b) if w is not None) == len(given) - 1
        for w in range(len(given)):  # offsets are relative to each word
            assert got.word_to_chars(b, w) == ref.word_to_chars(b, w) == CharSpan(0, len(given[w]))


def test_added_tokens(spm_dir, hf_rust):
    from transformers import AlbertTokenizerFast as HFFast

    ours = AlbertTokenizerFast.from_pretrained(spm_dir)
    rust = HFFast.from_pretrained(spm_dir, from_slow=True)
    for tok in (ours, rust):
        tok.add_tokens(["<ent>", "qzx"])
    # HF's Rust tokenizer keeps a "▁" for a space before an added token (no lstrip), which the slow one
    # drops: such texts are left out, as everywhere.
    samples = ["<ent>the film<ent>", "the film [MASK] was good", "qzx the film", "film<ent>qzx good",
               "the <ent> of the film"]
    samples = [s for s in samples if ours.encode(s) == rust.encode(s)]
    assert len(samples) >= 4
    got, ref = ours(samples), rust(samples)
    _assert_rows_align(got, ref, len(samples), samples, token_strings=False)
    assert got.word_ids(0) == [None, 0, 1, 2, 3, None]  # each added token is a word of its own


def test_tensors_pickle_and_rows(fast, hf_rust, texts):
    batch = texts[:4]
    got, ref = fast(batch, padding=True, return_tensors="np"), hf_rust(batch, padding=True, return_tensors="np")
    assert isinstance(got["input_ids"], np.ndarray) and (got["input_ids"] == ref["input_ids"]).all()
    assert [got.word_ids(b) for b in range(4)] == [ref.word_ids(b) for b in range(4)]
    assert isinstance(got[1], Encoding) and got[1].word_ids == ref[1].word_ids and got[1].tokens == ref[1].tokens
    again = pickle.loads(pickle.dumps(got))
    assert again.word_ids(2) == ref.word_ids(2) and again.is_fast
    with pytest.warns(FutureWarning, match="word_ids"):
        assert got.words(3) == ref.word_ids(3)


def test_outputs_without_alignment_stay_as_they_were(fast, hf_tok):
    # Input the aligned path does not take (ids; tokenize options) still encodes, with no encodings.
    ids = hf_tok.encode("the film", add_special_tokens=False)
    enc = fast.encode_plus(ids)
    assert enc["input_ids"] == hf_tok.encode_plus(ids)["input_ids"] and not enc.is_fast and enc.encodings is None
    enc = fast("the [MASK] film", split_special_tokens=True)
    assert enc["input_ids"] == hf_tok("the [MASK] film", split_special_tokens=True)["input_ids"]
    assert "offset_mapping" not in fast("the film") and "offset_mapping" in fast("film", return_offsets_mapping=True)


@pytest.mark.parametrize("method, args", [
    ("tokens", ()), ("word_ids", ()), ("sequence_ids", ()), ("token_to_sequence", (1,)), ("token_to_word", (1,)),
    ("word_to_tokens", (0,)), ("token_to_chars", (1,)), ("char_to_token", (0,)), ("word_to_chars", (0,)),
    ("char_to_word", (0,)),
])
def test_slow_tokenizer_raises_like_hf(spm_dir, hf_tok, method, args):
    ours = AlbertTokenizer.from_pretrained(spm_dir)("the film")
    theirs = hf_tok("the film")
    assert not ours.is_fast and ours.encodings is None and theirs.encodings is None
    with pytest.raises(ValueError) as ref:
        getattr(theirs, method)(*args)
    with pytest.raises(ValueError) as got:
        getattr(ours, method)(*args)
    assert str(got.value) == str(ref.value)


def test_sampled_ids_are_never_misaligned(spm_dir, corpus):
    # With subword sampling a second encoding draws other pieces: the deferred alignment must say so
    # rather than describe other tokens; aligning in the same pass (with offsets) always fits.
    sampling = AlbertTokenizerFast.from_pretrained(spm_dir, sp_model_kwargs={"enable_sampling": True, "alpha": 0.1,
                                                                            "nbest_size": -1})
    long_texts = [t for t in corpus[:2000] if len(t) > 150][:20]
    failures = 0
    for text in long_texts:
        try:
            sampling(text).word_ids()
        except ValueError as err:
            assert "return_offsets_mapping=True" in str(err)
            failures += 1
        enc = sampling(text, return_offsets_mapping=True)
        assert enc.encodings[0].ids == enc["input_ids"] and len(enc.word_ids()) == len(enc["input_ids"])
    assert failures > 0
