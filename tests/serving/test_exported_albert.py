"""A real ``albert-tf export`` of a tiny ALBERT sentiment classifier, served by ``albert-tf serve``.

The export is serving/README.md's own command (session fixture ``sentiment_project``), the text-in one
(in-graph SentencePiece); the server is started the way the README shows (``--model_name``/
``--model_base_path``). Its answers over gRPC and REST, for every signature (raw text through
``serving_default``, token ids through ``predict_ids``, tf.Examples through ``classify``), must equal the same
SavedModel called in-process through TensorFlow's own loader.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import tensorflow as tf

from albert_tf.serving import Client
from tests.serving.conftest import EMBEDDED, ServerProcess

TEXTS = ["A gripping, funny film.", "Dull and far too long; the cast looks lost.", "Bad."]


@pytest.fixture(scope="module")
def exported(sentiment_project):
    """serving/README.md's `albert-tf export` of the tiny sentiment classifier (the session fixture ran it)."""
    from albert_tf.tokenization import AlbertTokenizer

    command, _, done = sentiment_project.export
    assert done.returncode == 0, f"{command!r}: {done.stderr[-3000:]}"
    base = sentiment_project.path("models", "sentiment")
    assert done.stdout.strip().splitlines()[-1] == os.path.join(base, "1")
    tokenizer = AlbertTokenizer.from_pretrained(sentiment_project.path("runs", "sentiment"))
    encoded = tokenizer(TEXTS, padding=True, truncation=True, max_length=32, return_tensors="np")
    ids = {k: np.asarray(encoded[k], np.int32) for k in ("input_ids", "attention_mask", "token_type_ids")}
    return base, ids, sentiment_project.root


class _FlagServer(ServerProcess):
    """``albert-tf serve --model_name=... --model_base_path=...`` (no models.config)."""

    def __init__(self, base_path: str, log_path: str):
        super().__init__(EMBEDDED, "", log_path)
        self.base_path = base_path

    def command(self):
        return [sys.executable, "-m", "albert_tf.cli", "serve", f"--port={self.grpc_port}",
                f"--rest_api_port={self.rest_port}", "--model_name=sentiment", f"--model_base_path={self.base_path}"]


def _call(signature, **inputs):
    return {k: v.numpy() for k, v in signature(**{k: tf.constant(v) for k, v in inputs.items()}).items()}


def _assert_same(served, expected):
    assert set(served) == set(expected) == {"logits", "probabilities", "label_id", "label"}
    np.testing.assert_allclose(served["logits"], expected["logits"], atol=1e-5)
    np.testing.assert_allclose(served["probabilities"], expected["probabilities"], atol=1e-5)
    assert served["label"].tolist() == expected["label"].tolist()
    assert set(served["label"].tolist()) <= {b"rotten", b"fresh"}


def test_exported_classifier_is_served_like_the_in_process_savedmodel(exported):
    base, ids, work = exported
    server = _FlagServer(base, os.path.join(work, "server.log")).start({"sentiment": 1})
    try:
        loaded = tf.saved_model.load(os.path.join(base, "1"))
        from_text = _call(loaded.signatures["serving_default"], text=np.array(TEXTS, dtype=object))
        from_ids = _call(loaded.signatures["predict_ids"], **ids)
        _assert_same(from_ids, from_text)  # the in-graph tokenizer gives the Python tokenizer's ids
        for protocol, target in (("grpc", server.grpc_target), ("rest", "%s:%d" % server.rest_address)):
            with Client(target, "sentiment", protocol, timeout=60) as client:
                assert client.status() == [{"version": 1, "state": "AVAILABLE", "error_code": "OK",
                                            "error_message": ""}]
                assert {"serving_default", "predict_ids", "classify"} <= set(client.metadata()["signatures"])
                _assert_same(client.predict(TEXTS), from_text)
                _assert_same(client.predict(ids, signature_name="predict_ids"), from_text)
                classes = client.classify(TEXTS, signature_name="classify")
            for row, probabilities in zip(classes, from_text["probabilities"]):
                labels = dict(row)
                assert set(labels) == {"rotten", "fresh"}
                np.testing.assert_allclose([labels["rotten"], labels["fresh"]], probabilities, atol=1e-5)
    finally:
        server.stop()
