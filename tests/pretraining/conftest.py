"""Fixtures for pretraining tests: a small SentencePiece model and records made from the Wikipedia sample."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from albert_tf.utils.net import free_port  # noqa: F401  (the tests import it from here)

REPO = Path(__file__).resolve().parents[2]
WIKI_SAMPLE = REPO / "data" / "wiki_sample.txt"
# A tiny ALBERT (the brief's CI size: hidden 32, 2 layers); no dropout so runs compare exactly.
TINY_CONFIG = dict(hidden_size=32, num_attention_heads=2, intermediate_size=64, num_hidden_layers=2,
                   embedding_size=16, classifier_dropout_prob=0.0)
SUBPROCESS_ENV = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2", HF_HUB_OFFLINE="1",
                      PYTHONPATH=str(REPO))


@pytest.fixture(scope="session")
def spm_dir(tmp_path_factory) -> str:
    """A unigram SPM (vocab 1000, ALBERT's special-token layout) trained on the Wikipedia sample."""
    from albert_tf.tokenization import train_tokenizer

    out = tmp_path_factory.mktemp("spm")
    train_tokenizer([str(WIKI_SAMPLE)], 1000, str(out), max_lines=1000, seed_sentencepiece_size=50_000)
    return str(out)


@pytest.fixture(scope="session")
def tiny_records(spm_dir, tmp_path_factory):
    """Seq 64 records from 20 documents, 2 shards: the training tests' data."""
    from albert_tf.pretraining import create_pretraining_data

    prefix = tmp_path_factory.mktemp("records") / "wiki"
    report = create_pretraining_data(str(WIKI_SAMPLE), spm_dir, str(prefix), max_seq_length=64,
                                     max_predictions_per_seq=10, dupe_factor=2, num_shards=2, max_documents=20,
                                     random_seed=1)
    return report


def records_glob(report) -> str:
    return os.path.join(os.path.dirname(report.output_files[0]), "wiki-*.tfrecord")


def run_cli(args, timeout, env=None, **kwargs) -> subprocess.CompletedProcess:
    """`albert-tf ARGS` in a fresh interpreter (absl flags are process-global)."""
    return subprocess.run([sys.executable, "-m", "albert_tf.cli", *args], env=env or SUBPROCESS_ENV, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def cli_config_overrides() -> str:
    return ",".join(f"{k}={v}" for k, v in TINY_CONFIG.items())
