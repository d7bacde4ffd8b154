"""Serving latency and throughput: `albert-tf serve` over gRPC and REST, with and without batching, next to the
same SavedModel called in-process.

One run prints one table. The model is an ALBERT sequence classifier with the albert-base-v2 width (hidden
768, 12 heads, intermediate 3072, embedding 128, vocab 30000) and random weights, exported with token-id
inputs (input_ids, attention_mask, token_type_ids: the exporter's predict_ids contract) through
keras.export.ExportArchive. Every request is one short sequence (`--tokens`, default 16). The server runs in
its own process, as in production; clients are threads of this process, each with its own connection.

Rows, at 1, 8 and 32 concurrent clients (`--clients`):

- **in-process**: `tf.saved_model.load(dir).signatures["serving_default"]` called from that many threads;
- **gRPC / REST**: PredictRequest through the official stubs / `{"inputs": ...}` POSTs with keep-alive;
- **+batching**: the same against a server started with `--enable_batching` (max_batch_size 32,
  batch_timeout_micros 1000, one batch thread: the model call already uses every core).

Both servers and the in-process model are loaded side by side, and every row's `--seconds` of load is
split into `--rounds` slices taken in turn with the other rows', so load from other processes on the machine
falls on all rows alike (the load average at the end is printed with the table).

Columns: median and 99th-percentile latency, requests/s over `--seconds` of load (after a warmup), p50
against the in-process p50 at 1 client, and requests/s against **offline batched** throughput (the
in-process signature called back-to-back on batches of 32 sequences, counted in sequences/s). Goals: a single
short request over gRPC within 1.3x of in-process; 32 gRPC clients with batching reach 0.8x of offline
batched throughput.

Usage:
    python bench/serving.py                        # about 3 minutes on 2 cores
    python bench/serving.py --layers 2 --seconds 2 # quicker
    python bench/serving.py --saved_model /models/sentiment/1   # any export with token-id inputs
"""

from __future__ import annotations

import os
import sys

_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _BENCH_DIR]
sys.path.insert(0, os.path.dirname(_BENCH_DIR))

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from albert_tf.utils.net import free_port  # noqa: E402

REPO = os.path.dirname(_BENCH_DIR)
MODEL_NAME = "bench"
BATCHING = ("max_batch_size { value: 32 }\nbatch_timeout_micros { value: 1000 }\n"
            "num_batch_threads { value: 1 }\nmax_enqueued_batches { value: 1000 }\n")


def export_model(base: str, layers: int) -> str:
    """An albert-base-width sequence classifier with token-id inputs, at base/1."""
    import keras
    import tensorflow as tf

    from albert_tf import modeling

    keras.utils.set_random_seed(0)
    config = modeling.AlbertConfig.from_preset("albert-base-v2", num_hidden_layers=layers, num_labels=2)
    model = modeling.TFAlbertForSequenceClassification(config)
    archive = keras.export.ExportArchive()
    archive.track(model)

    def predict(input_ids, attention_mask, token_type_ids):
        logits = model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                       training=False).logits
        return {"logits": logits, "probabilities": tf.nn.softmax(logits)}

    archive.add_endpoint(
        "serving_default", predict,
        input_signature=[tf.TensorSpec([None, None], tf.int32, name=n) for n in
                         ("input_ids", "attention_mask", "token_type_ids")],
    )
    path = os.path.join(base, "1")
    archive.write_out(path, verbose=False)
    return path


def request_arrays(tokens: int, rows: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 30000, size=(rows, tokens), dtype=np.int32)
    ids[:, 0], ids[:, -1] = 2, 3  # [CLS] ... [SEP]
    return {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}


class Server:
    """`albert-tf serve` in a subprocess."""

    def __init__(self, base: str, work: str, batching: bool):
        self.grpc_port, self.rest_port = free_port(), free_port()
        command = [sys.executable, "-m", "albert_tf.cli", "serve", f"--port={self.grpc_port}",
                   f"--rest_api_port={self.rest_port}", f"--model_name={MODEL_NAME}", f"--model_base_path={base}"]
        if batching:
            params = os.path.join(work, "batching.txt")
            with open(params, "w") as f:
                f.write(BATCHING)
            command += ["--enable_batching", f"--batching_parameters_file={params}"]
        self.log = open(os.path.join(work, f"server-{int(batching)}.log"), "w+")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=REPO)
        line = self.process.stdout.readline()
        if "ready" not in line:
            self.log.seek(0)
            raise RuntimeError(f"albert-tf serve did not start:\n{self.log.read()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)
        self.log.close()


def load(call_factory, clients: int, seconds: float, warmup: float = 0.0):
    """Run ``clients`` threads, each repeating its call, for warmup + ``seconds``.

    Returns the latencies (s) of the calls that started after the warmup, and the timed wall seconds.
    """
    stop, measuring = threading.Event(), threading.Event()
    latencies, errors = [], []
    lock = threading.Lock()

    def worker():
        call = call_factory()
        mine = []
        while not stop.is_set():
            timed = measuring.is_set()
            started = time.perf_counter()
            try:
                call()
            except Exception as e:  # noqa: BLE001  # counted and reported, never silently dropped
                with lock:
                    errors.append(repr(e))
                continue
            if timed:
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    measuring.set()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - began
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return latencies, elapsed


def interleaved(paths: dict, clients: int, seconds: float, rounds: int) -> dict:
    """Load every path in turn, ``rounds`` times, ``seconds / rounds`` each: load from other processes on the
    machine then falls on every path alike. Returns {path: {"p50", "p99" (ms), "qps"}}."""
    collected = {name: ([], 0.0) for name in paths}
    for name, factory in paths.items():
        load(factory, clients, 0.0, warmup=0.5)
    for _ in range(rounds):
        for name, factory in paths.items():
            latencies, elapsed = load(factory, clients, seconds / rounds)
            kept, total = collected[name]
            collected[name] = (kept + latencies, total + elapsed)
    results = {}
    for name, (latencies, elapsed) in collected.items():
        latencies.sort()
        results[name] = {
            "p50": latencies[len(latencies) // 2] * 1e3,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3,
            "qps": len(latencies) / elapsed,
        }
    return results


def grpc_factory(target: str, arrays: dict):
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL_NAME
    for name, value in arrays.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))

    def factory():
        stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(target))
        return lambda: stub.Predict(request, timeout=120)

    return factory


def rest_factory(port: int, arrays: dict):
    body = json.dumps({"inputs": {k: v.tolist() for k, v in arrays.items()}}).encode()

    def factory():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

        def call():
            connection.request("POST", f"/v1/models/{MODEL_NAME}:predict", body=body)
            reply = connection.getresponse()
            data = reply.read()
            if reply.status != 200:
                raise RuntimeError(data[:200])

        return call

    return factory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saved_model", help="a version directory with token-id inputs (default: build one)")
    parser.add_argument("--layers", type=int, default=4, help="layer applications of the built model")
    parser.add_argument("--tokens", type=int, default=16, help="tokens per request")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=4.0, help="timed load per row")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the load of a row is split in")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    import tensorflow as tf

    work = tempfile.mkdtemp(prefix="albert-serving-bench-")
    servers = []
    try:
        base = os.path.join(work, MODEL_NAME)
        if args.saved_model:
            os.makedirs(base)
            os.symlink(os.path.abspath(args.saved_model), os.path.join(base, "1"))
            path, described = args.saved_model, args.saved_model
        else:
            path = export_model(base, args.layers)
            described = f"albert-base-v2 width, {args.layers} layer applications, random weights"
        single, batch = request_arrays(args.tokens), request_arrays(args.tokens, rows=32)
        signature = tf.saved_model.load(path).signatures["serving_default"]
        tensors = {k: tf.constant(v) for k, v in single.items()}
        batch_tensors = {k: tf.constant(v) for k, v in batch.items()}
        servers = [Server(base, work, batching=False), Server(base, work, batching=True)]
        paths = {"in-process": lambda: lambda: signature(**tensors)}
        for server, suffix in zip(servers, ("", "+batching")):
            paths[f"gRPC{suffix}"] = grpc_factory(f"127.0.0.1:{server.grpc_port}", single)
            paths[f"REST{suffix}"] = rest_factory(server.rest_port, single)
        rows = []
        for n in clients:
            results = interleaved(paths, n, args.seconds, args.rounds)
            rows.extend((name, n, results[name]) for name in paths)
        offline = interleaved({"offline": lambda: lambda: signature(**batch_tensors)}, 1, args.seconds, args.rounds)
        offline_rows_per_s = offline["offline"]["qps"] * 32
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    order = ["in-process", "gRPC", "REST", "gRPC+batching", "REST+batching"]
    rows.sort(key=lambda row: (order.index(row[0]), row[1]))
    reference = rows[0][2]["p50"]
    print(f"\nModel: {described}; requests of 1 x {args.tokens} tokens; {os.cpu_count()} CPUs; "
          f"{args.seconds:g} s per row in {args.rounds} interleaved rounds; load average "
          f"{os.getloadavg()[0]:.1f}.")
    print(f"Offline batched (in-process, batches of 32): {offline_rows_per_s:.1f} sequences/s.\n")
    print("| path | clients | p50 ms | p99 ms | req/s | p50 / in-process p50 (1 client) | req/s / offline batched |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, n, r in rows:
        print(f"| {name} | {n} | {r['p50']:.2f} | {r['p99']:.2f} | {r['qps']:.1f} | "
              f"{r['p50'] / reference:.2f} | {r['qps'] / offline_rows_per_s:.2f} |")
    by_key = {(name, n): r for name, n, r in rows}
    single_grpc = by_key.get(("gRPC", 1))
    batched_grpc = by_key.get(("gRPC+batching", max(clients)))
    if single_grpc:
        print(f"\nSingle short request, gRPC p50 / in-process p50: {single_grpc['p50'] / reference:.2f} (goal <= 1.3)")
    if batched_grpc:
        print(f"{max(clients)} gRPC clients with batching, req/s / offline batched: "
              f"{batched_grpc['qps'] / offline_rows_per_s:.2f} (goal >= 0.8)")


if __name__ == "__main__":
    main()
