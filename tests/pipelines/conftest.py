"""Fixtures: a small SentencePiece model trained on the bundled wiki text, random-init HF TF ALBERT
models (the oracle's weights) saved as local model directories that our `pipeline` loads, and the HF
tokenizers built from the same spiece.model.

Random init uses a wide `initializer_range` so scores are well apart: the comparisons then test the
pipelines, not float rounding between near-equal candidates.
"""

import os
import shutil

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "data")
MAX_LENGTH = 64  # max_position_embeddings and the tokenizer's model_max_length: long inputs stay cheap
VOCAB_SIZE = 1500
NER_LABELS = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}
SENTIMENT_LABELS = {0: "NEGATIVE", 1: "NEUTRAL", 2: "POSITIVE"}

TINY_CONFIG = dict(vocab_size=VOCAB_SIZE, embedding_size=16, hidden_size=32, num_attention_heads=2,
                   intermediate_size=48, num_hidden_layers=2, max_position_embeddings=MAX_LENGTH,
                   initializer_range=0.3, hidden_act="gelu_new")

HEADS = {
    "base": ("TFAlbertModel", {}),
    "masked_lm": ("TFAlbertForMaskedLM", {}),
    "sequence": ("TFAlbertForSequenceClassification", {"id2label": SENTIMENT_LABELS}),
    "token": ("TFAlbertForTokenClassification", {"id2label": NER_LABELS}),
    "qa": ("TFAlbertForQuestionAnswering", {}),
}


@pytest.fixture(scope="session")
def spm_dir(tmp_path_factory):
    from albert_tf.tokenization import train_tokenizer

    out = str(tmp_path_factory.mktemp("pipeline_spm"))
    train_tokenizer([os.path.join(DATA, "wiki_sample.txt")], VOCAB_SIZE, out, model_max_length=MAX_LENGTH,
                    max_lines=500)  # a few seconds; plenty for 1,500 pieces
    return out


@pytest.fixture(scope="session")
def hf_slow_tokenizer(spm_dir):
    import transformers

    return transformers.AlbertTokenizer.from_pretrained(spm_dir)


@pytest.fixture(scope="session")
def hf_fast_tokenizer(spm_dir):
    import transformers

    # Converted from the same spiece.model: HF's default tokenizer, the one its QA and NER pipelines
    # take character offsets from.
    return transformers.AlbertTokenizerFast.from_pretrained(spm_dir, from_slow=True)


@pytest.fixture(scope="session")
def model_dirs(spm_dir, tmp_path_factory):
    """head -> (HF TF model, directory with config.json + tf_model.h5 + tokenizer files)."""
    import numpy as np
    import tensorflow as tf
    import transformers

    out = {}
    for seed, (head, (class_name, extra)) in enumerate(sorted(HEADS.items())):
        config = transformers.AlbertConfig(**TINY_CONFIG, **extra)
        if "id2label" in extra:
            config.label2id = {v: k for k, v in extra["id2label"].items()}
        tf.random.set_seed(seed)
        model = getattr(transformers, class_name)(config)
        model(np.array([[2, 10, 11, 3]], np.int32))  # build the weights
        directory = str(tmp_path_factory.mktemp(f"model_{head}"))
        model.save_pretrained(directory)
        for name in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(os.path.join(spm_dir, name), directory)
        out[head] = (model, directory)
    return out


def wiki_sentences(min_words=6, max_words=40, limit=None):
    """Plain ASCII sentences from the bundled wiki text, in file order.

    Slow and fast ALBERT tokenizers differ on a few inputs (digit-comma pieces, unusual whitespace,
    accents); the parity tests take plain sentences and also assert that both give the same ids, so any
    difference in results comes from the pipelines.
    """
    import re

    out = []
    with open(os.path.join(DATA, "wiki_sample.txt"), encoding="utf-8") as f:
        for para in f:
            for sentence in re.split(r"(?<=[.!?])\s+", para.strip()):
                words = sentence.split(" ")
                if (min_words <= len(words) <= max_words and sentence.isascii() and "  " not in sentence
                        and not any(c.isdigit() for c in sentence) and "[" not in sentence):
                    out.append(sentence)
                    if limit and len(out) >= limit:
                        return out
    return out
