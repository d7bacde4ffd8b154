"""Fixtures for the fine-tuning tests: the data files in tests/fixtures/finetuning, a small SentencePiece
model trained on the bundled real text, a tiny ALBERT shape, and the HF oracles built from the same
SentencePiece model (transformers' slow AlbertTokenizer and the fast one converted from it)."""

import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "data")
FIXTURES = os.path.join(REPO, "tests", "fixtures", "finetuning")

# hidden 32, 2 layers: a second or two per epoch on the fixtures.
TINY = dict(embedding_size=16, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=256)


def fixture(name: str) -> str:
    return os.path.join(FIXTURES, name)


@pytest.fixture(scope="session")
def spm_dir(tmp_path_factory):
    from albert_tf.tokenization import train_tokenizer

    out = str(tmp_path_factory.mktemp("finetuning_spm"))
    train_tokenizer([os.path.join(DATA, "wiki_sample.txt"), os.path.join(DATA, "reviews.csv")], 1000, out,
                    max_lines=2500)
    return out


@pytest.fixture(scope="session")
def tokenizer(spm_dir):
    from albert_tf.tokenization import AlbertTokenizer

    return AlbertTokenizer.from_pretrained(spm_dir)


@pytest.fixture(scope="session")
def hf_slow(spm_dir):
    from transformers import AlbertTokenizer as HFAlbertTokenizer

    return HFAlbertTokenizer.from_pretrained(spm_dir)


@pytest.fixture(scope="session")
def hf_fast(spm_dir):
    from transformers import AlbertTokenizerFast

    return AlbertTokenizerFast.from_pretrained(spm_dir, from_slow=True)


@pytest.fixture()
def tiny_config(tokenizer):
    from albert_tf import AlbertConfig

    return AlbertConfig(vocab_size=tokenizer.vocab_size, **TINY)
