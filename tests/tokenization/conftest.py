"""Session fixtures: one small SentencePiece model trained on the bundled real text, the HF oracle
(transformers' slow AlbertTokenizer loaded from the same files), a >= 20,000-line real corpus and HF's
encoding of it (computed once, shared by the tests of both tokenizers)."""

import csv
import os
import re

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "data")


def corpus_lines():
    """Wiki paragraphs split into sentences plus review snippets (about 30,000 lines)."""
    lines = []
    with open(os.path.join(DATA, "wiki_sample.txt"), encoding="utf-8") as f:
        for para in f:
            para = para.strip()
            if para:
                lines.extend(re.split(r"(?<=[.!?])\s+", para))
    with open(os.path.join(DATA, "reviews.csv"), encoding="utf-8", newline="") as f:
        lines.extend(row["text"] for row in csv.DictReader(f))
    return lines


@pytest.fixture(scope="session")
def corpus():
    lines = corpus_lines()
    assert len(lines) >= 20000
    return lines


@pytest.fixture(scope="session")
def spm_dir(tmp_path_factory):
    from albert_tf.tokenization import train_tokenizer

    out = str(tmp_path_factory.mktemp("spm"))
    train_tokenizer([os.path.join(DATA, "wiki_sample.txt"), os.path.join(DATA, "reviews.csv")], 8000, out)
    return out


@pytest.fixture(scope="session")
def hf_tok(spm_dir):
    from transformers import AlbertTokenizer as HFAlbertTokenizer

    return HFAlbertTokenizer.from_pretrained(spm_dir)


@pytest.fixture(scope="session")
def tok(spm_dir):
    from albert_tf.tokenization import AlbertTokenizer

    return AlbertTokenizer.from_pretrained(spm_dir)


@pytest.fixture(scope="session")
def fast(spm_dir):
    from albert_tf.tokenization import AlbertTokenizerFast

    return AlbertTokenizerFast.from_pretrained(spm_dir)


@pytest.fixture(scope="session")
def hf_rust(spm_dir):
    """HF's Rust fast tokenizer converted from the same spiece.model: the oracle for the fast-only API."""
    from transformers import AlbertTokenizerFast as HFFast

    return HFFast.from_pretrained(spm_dir, from_slow=True)


@pytest.fixture(scope="session")
def hf_corpus(hf_tok, corpus):
    """HF's slow tokenizer on the whole corpus: input_ids, token_type_ids, attention_mask, special mask."""
    return hf_tok(corpus, return_special_tokens_mask=True)
