"""Fixtures for the command-line tests: every check runs `albert-tf ...` in a fresh interpreter, as a user
would, with tiny data (a 1000-piece SentencePiece model, a hidden-32 ALBERT, a few hundred records)."""

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
FIXTURES = REPO / "tests" / "fixtures" / "finetuning"
TINY = dict(embedding_size=16, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=128)
# --config_overrides for the tiny shape.
TINY_OVERRIDES = ",".join(f"{k}={v}" for k, v in TINY.items())
ENV = dict(os.environ, KERAS_BACKEND="tensorflow", HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
ENV.pop("ALBERT_TF_DEBUG", None)
ENV.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the CLI's own default (quiet) is what a user gets


def albert_tf(*args, timeout=600, env=None, cwd=None) -> subprocess.CompletedProcess:
    """`albert-tf ARGS` in a fresh interpreter (absl flags are process-global)."""
    return subprocess.run([sys.executable, "-m", "albert_tf.cli", *map(str, args)], env=env or ENV,
                          cwd=cwd or REPO, capture_output=True, text=True, timeout=timeout)


def albert_tf_on_a_terminal(*args, timeout=600, env=None) -> tuple[int, str]:
    """`albert-tf ARGS` with stdout and stderr on a pseudo-terminal, as a user at a shell sees it.
    Returns (exit status, everything drawn, carriage returns included)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "albert_tf.cli", *map(str, args)], env=env or ENV, cwd=REPO,
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []

    def drain():  # the terminal's buffer is small: read while the command runs
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the command closed its side
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=30)
        os.close(leader)
    return status, b"".join(chunks).decode("utf-8", "replace")


def assert_one_line_error(done: subprocess.CompletedProcess, command: str, *fragments: str) -> str:
    """Exit status != 0, no traceback, and stderr is the one line `albert-tf COMMAND: reason` naming each
    fragment. Returns the line."""
    assert done.returncode != 0, done.stdout[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-4000:]
    assert lines[0].startswith(f"albert-tf {command}: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture(scope="session")
def spm_dir(tmp_path_factory) -> str:
    from albert_tf.tokenization import train_tokenizer

    out = tmp_path_factory.mktemp("commands_spm")
    train_tokenizer([str(DATA / "wiki_sample.txt")], 1000, str(out), max_lines=1000, seed_sentencepiece_size=50_000)
    return str(out)


@pytest.fixture(scope="session")
def records(spm_dir, tmp_path_factory):
    """Seq-32 records from 10 documents in one shard, with the PREFIX.stats.json the tool writes beside it."""
    from albert_tf.pretraining import create_pretraining_data

    prefix = tmp_path_factory.mktemp("commands_records") / "wiki"
    return create_pretraining_data(str(DATA / "wiki_sample.txt"), spm_dir, str(prefix), max_seq_length=32,
                                   max_predictions_per_seq=5, dupe_factor=1, num_shards=1, max_documents=10)


@pytest.fixture(scope="session")
def model_dir(spm_dir, tmp_path_factory) -> str:
    """A random-init tiny sequence classifier with its tokenizer: what export and evaluate read. Its labels
    are those of the reviews fixtures."""
    from albert_tf import AlbertConfig, TFAlbertForSequenceClassification
    from albert_tf.tokenization import AlbertTokenizer

    out = str(tmp_path_factory.mktemp("commands_model"))
    tokenizer = AlbertTokenizer.from_pretrained(spm_dir)
    config = AlbertConfig(vocab_size=tokenizer.vocab_size, id2label={0: "rotten", 1: "fresh"},
                          label2id={"rotten": 0, "fresh": 1}, **TINY)
    model = TFAlbertForSequenceClassification(config)
    model(input_ids=[[2, 10, 3]])
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
