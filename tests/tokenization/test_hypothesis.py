"""Generated Unicode stress text: Python tokenizer and in-graph layer against HF's slow tokenizer."""

import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from albert_tf.tokenization import AlbertPreprocessor

PARTS = st.one_of(
    st.text(alphabet="abcXYZ éÉüÖñçÅøß", max_size=12),
    # Runs that give SentencePiece exact score ties (hmmm, xiii, 9,999): printable ASCII, the fast path.
    st.text(alphabet="hmix19, ()-.", max_size=14),
    st.sampled_from(["e\u0301", "\u0301", "a\u0308\u0323", "\u4e2d\u6587", "\u65e5\u672c\u8a9e", "\U0001f600",
                     "\U0001f44d\U0001f3fd", "1,000", "9,9", "12,345,678", "``", "''", "\t", "\u00a0", "\u3000",
                     "\n", "  ", "[MASK]", "[CLS]", "<pad>", "<UNK>", "\u03a3", "\U0001d6ba", "\ufb01", "\u00bd",
                     "\u2163", "\x00", "\u2c2f", ",", "."]),
    st.text(max_size=6),
)
TEXTS = st.lists(PARTS, max_size=12).map("".join)


@pytest.fixture(scope="module")
def graph_pre(spm_dir):
    pre = AlbertPreprocessor.from_pretrained(spm_dir, max_length=None, return_special_tokens_mask=True)
    spec = tf.TensorSpec([None], tf.string)  # one trace for all generated batch sizes
    return pre, tf.function(lambda a, b: pre((a, b)), input_signature=[spec, spec])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(TEXTS, min_size=1, max_size=8), pair=TEXTS)
def test_stress_matches_hf(tok, hf_tok, graph_pre, batch, pair):
    ref = hf_tok(batch, [pair] * len(batch), padding=True, return_special_tokens_mask=True)
    assert dict(tok(batch, [pair] * len(batch), padding=True, return_special_tokens_mask=True)) == dict(ref)
    pre, fn = graph_pre
    out = fn(tf.constant(batch), tf.constant([pair] * len(batch)))
    for key in ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask"):
        assert out[key].numpy().tolist() == ref[key], (batch, pair, key)
