"""Under server-side batching, one client's odd row cannot fail another client's request.

TF Serving's batching runs the requests of several clients as one batch, so a per-row error in the graph
(an empty string, a fill-mask text without [MASK]) would fail every request in that batch. The exported
graphs are total over rows: here a text-in fill-mask export is served with `--enable_batching`, clients
send concurrently over gRPC and REST, two of them carry such rows, and every request must succeed with
the answer it gets when sent alone.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from albert_tf.serving import Client
from tests.serving import documented
from tests.serving.conftest import EMBEDDED, ServerProcess, models_config_text
from tests.serving.test_batching import metric_value, metrics

MAX_BATCH = 16
REQUESTS = [
    ["A gripping [MASK] with a fine cast."],
    ["no mask in this one"],                 # no [MASK]: no predictions, no error
    [""],                                    # empty: [CLS] [SEP], as HF encodes it
    ["The [MASK] was far too [MASK]."],
    ["   ", "Bad [MASK]."],
    ["[MASK]"],
]


@pytest.fixture(scope="module")
def fill_mask_server(tmp_path_factory):
    from albert_tf.export import export_saved_model
    from albert_tf.modeling import TFAlbertForMaskedLM

    work = str(tmp_path_factory.mktemp("batching_rows"))
    tokenizer = documented.train_small_tokenizer(os.path.join(work, "spm"))
    documented.save_tiny_run(os.path.join(work, "run"), tokenizer, "TFAlbertForMaskedLM")
    model = TFAlbertForMaskedLM.from_pretrained(os.path.join(work, "run"))
    base = os.path.join(work, "models", "mlm")
    export_saved_model(model, tokenizer, base, task="masked_lm", verify_warmup=False)
    config, params, monitoring = (os.path.join(work, n) for n in ("models.config", "batching.txt", "monitoring.config"))
    with open(config, "w") as f:
        f.write(models_config_text([{"name": "mlm", "base_path": base, "versions": [1]}]))
    with open(params, "w") as f:
        # A long window and one batch thread, so that the concurrent requests below share batches.
        f.write(f"max_batch_size {{ value: {MAX_BATCH} }}\nbatch_timeout_micros {{ value: 300000 }}\n"
                "num_batch_threads { value: 1 }\nmax_enqueued_batches { value: 100 }\n")
    with open(monitoring, "w") as f:
        f.write('prometheus_config { enable: true path: "/monitoring/prometheus/metrics" }\n')
    server = ServerProcess(EMBEDDED, config, os.path.join(work, "server.log"), [
        # Warmup replay only costs load time here (the first requests below warm the graph).
        "--enable_batching", f"--batching_parameters_file={params}", "--noenable_model_warmup",
        f"--monitoring_config_file={monitoring}"]).start({"mlm": 1})
    yield server
    server.stop()


def _targets(server):
    return {"grpc": server.grpc_target, "rest": "%s:%d" % server.rest_address}


def _predictions(result: dict) -> list:
    """Per row, per real [MASK] position: (position, top-k ids, top-k scores rounded to 1e-5)."""
    rows = []
    for positions, ids, scores in zip(result["mask_positions"], result["top_k_ids"], result["top_k_scores"]):
        rows.append([(int(p), [int(i) for i in row_ids], [round(float(s), 5) for s in row_scores])
                     for p, row_ids, row_scores in zip(positions, ids, scores) if p >= 0])
    return rows


@pytest.mark.parametrize("protocol", ["grpc", "rest", "mixed"])
def test_odd_rows_do_not_fail_the_requests_they_are_batched_with(fill_mask_server, protocol):
    targets = _targets(fill_mask_server)
    protocols = [("grpc", "rest")[i % 2] if protocol == "mixed" else protocol for i in range(len(REQUESTS))]
    alone = []
    for texts, proto in zip(REQUESTS, protocols):
        with Client(targets[proto], "mlm", proto, timeout=120) as client:
            alone.append(_predictions(client.predict(texts)))
    assert alone[1] == [[]] and alone[2] == [[]] and alone[4][0] == []  # the odd rows: no predictions
    assert all(len(rows) == len(texts) for rows, texts in zip(alone, REQUESTS))

    before = metrics(fill_mask_server)
    barrier = threading.Barrier(len(REQUESTS))
    results: list = [None] * len(REQUESTS)

    def send(i):
        with Client(targets[protocols[i]], "mlm", protocols[i], timeout=120) as client:
            barrier.wait()
            try:
                results[i] = _predictions(client.predict(REQUESTS[i]))
            except Exception as e:  # noqa: BLE001 - the assertion below names it
                results[i] = e

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(REQUESTS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    after = metrics(fill_mask_server)
    failures = {i: r for i, r in enumerate(results) if not isinstance(r, list)}
    assert not failures, failures
    assert results == alone
    batches = metric_value(after, ":albert_tf:serving:batch_size_count") - metric_value(
        before, ":albert_tf:serving:batch_size_count")
    assert batches < len(REQUESTS), "the concurrent requests did not share a batch; the test proves nothing"
