"""Soak: `albert-tf serve` held under `--clients` concurrent clients for `--duration` seconds, on loopback.

The server runs in its own process, started as a user would (`albert-tf serve --port=... --rest_api_port=...
--model_config_file=...`) on two small models this script builds with plain TensorFlow (the serving tests'
`half_plus_two`, versions 1 and 2, y = 0.5 x + 2 / + 3, with classify/regress/text signatures). Each client
is a thread with its own connection; every request is checked against the model's formula:

- good requests, alternating gRPC and REST: Predict (row and columnar), Classify, Regress, a text signature
  (tensorflow-text op), pinned versions and labels;
- every `--malformed_every`-th request of a client is the next kind from `tests/serving/malformed.py`
  (over 100 kinds: bad JSON, wrong types/shapes, unknown models/versions/labels/signatures, bodies over the
  limit, bad UTF-8/base64, NaN for ints, deep nesting, bad Content-Length, wrong methods/paths, corrupt
  protos...), which must come back as a client error (4xx / INVALID_ARGUMENT ...) with a message.

The server's RSS is sampled every second; growth is measured from the end of `--warmup` (first requests
build executors and caches) to the end. Afterwards the server must still answer correctly, and its log must
hold no traceback. Goal: 0 failed requests, RSS growth <= 10%, >= 50 malformed kinds all answered as client
errors.

Usage:
    python bench/soak.py                            # 5 minutes, 32 clients
    python bench/soak.py --duration 20 --warmup 5   # a quick check
"""

from __future__ import annotations

import os
import sys

_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _BENCH_DIR]
sys.path.insert(0, os.path.dirname(_BENCH_DIR))

import argparse  # noqa: E402
import collections  # noqa: E402
import itertools  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import psutil  # noqa: E402

from albert_tf.serving.client import Client, ServerError  # noqa: E402
from tests.serving import malformed, saved_models  # noqa: E402
from tests.serving.conftest import EMBEDDED, ServerProcess, models_config_text  # noqa: E402

MODEL = malformed.MODEL


def _close(a, b) -> bool:
    return np.allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=1e-6, atol=1e-6)


def _good_requests(grpc_client: Client, rest_client: Client, pinned: dict[str, Client]):
    """(name, call) pairs; each call raises AssertionError on a wrong answer."""
    xs = [1.0, 2.5, -4.0]
    y2, y1 = saved_models.expected_y(xs, 2), saved_models.expected_y(xs, 1)

    def predict(client):
        assert _close(client.predict({"x": xs})["y"], y2)

    def classify(client):
        rows = client.classify([{"x": x} for x in xs], signature_name="classify")
        assert [[label for label, _ in row] for row in rows] == [["negative", "positive"]] * len(xs)
        assert _close([row[1][1] for row in rows], y2)

    def regress(client):
        assert _close(client.regress([{"x": x} for x in xs], signature_name="regress"), y2)

    def text(client):
        outputs = client.predict(["a b c", "hello"], signature_name="text")
        assert outputs["num_words"].tolist() == [3, 1] and outputs["upper_bytes"].tolist() == [b"A B C", b"HELLO"]

    def pinned_version(client):
        assert _close(client.predict({"x": xs})["y"], y1)

    requests = []
    for protocol, client in (("grpc", grpc_client), ("rest", rest_client)):
        requests += [(f"{protocol} predict", lambda c=client: predict(c)),
                     (f"{protocol} classify", lambda c=client: classify(c)),
                     (f"{protocol} regress", lambda c=client: regress(c)),
                     (f"{protocol} text", lambda c=client: text(c)),
                     (f"{protocol} version 1", lambda c=pinned[protocol]: pinned_version(c))]
    return requests


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.good = collections.Counter()
        self.good_failed = collections.Counter()
        self.malformed = collections.Counter()
        self.malformed_wrong: dict[str, str] = {}
        self.latencies: list[float] = []

    def record_good(self, name: str, ok: bool, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.good[name] += 1
            self.latencies.append(seconds)
            if not ok:
                self.good_failed[name] += 1
                self.malformed_wrong.setdefault(f"(good) {name}", detail)

    def record_malformed(self, name: str, outcome) -> None:
        with self.lock:
            self.malformed[name] += 1
            if not outcome.ok:
                self.malformed_wrong[name] = f"{outcome.code}: {outcome.message[:200]}"


def _client_loop(index: int, server: ServerProcess, stop: threading.Event, tally: Tally, malformed_every: int,
                 kinds: list[str]):
    rest_target = "%s:%d" % server.rest_address
    grpc_client = Client(server.grpc_target, MODEL, "grpc", timeout=60)
    rest_client = Client(rest_target, MODEL, "rest", timeout=60)
    pinned = {"grpc": Client(server.grpc_target, MODEL, "grpc", timeout=60, version=1),
              "rest": Client(rest_target, MODEL, "rest", timeout=60, version_label="stable")}
    requests = _good_requests(grpc_client, rest_client, pinned)
    rng = random.Random(index)
    target = malformed.Target("127.0.0.1", server.grpc_port, server.rest_port)
    kind_cycle = itertools.cycle(kinds[index % len(kinds):] + kinds[:index % len(kinds)])
    try:
        for count in itertools.count(1):
            if stop.is_set():
                break
            if malformed_every and count % malformed_every == 0:
                name = next(kind_cycle)
                tally.record_malformed(name, malformed.CASES[name].send(target))
                continue
            name, call = requests[rng.randrange(len(requests))]
            started = time.perf_counter()
            try:
                call()
                tally.record_good(name, True, time.perf_counter() - started)
            except (AssertionError, ServerError, OSError) as e:
                tally.record_good(name, False, time.perf_counter() - started, f"{type(e).__name__}: {e}"[:200])
    finally:
        for client in (grpc_client, rest_client, *pinned.values()):
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load after the warm-up")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds of load before RSS is measured")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--malformed_every", type=int, default=10,
                        help="every N-th request of a client is a malformed one (0: none)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="albert-tf-soak-")
    base = os.path.join(work, "models", MODEL)
    saved_models.export_half_plus_two(base, 1)
    saved_models.export_half_plus_two(base, 2)
    config_path = os.path.join(work, "models.config")
    with open(config_path, "w") as f:
        f.write(models_config_text([{"name": MODEL, "base_path": base, "versions": [1, 2], "labels": {"stable": 1}}]))
    server = ServerProcess(EMBEDDED, config_path, os.path.join(work, "server.log"),
                           ["--allow_version_labels_for_unavailable_models=true"])
    server.start({MODEL: 2})
    process = psutil.Process(server.process.pid)
    kinds = list(malformed.CASES)
    tally, stop = Tally(), threading.Event()
    samples: list[tuple[float, int]] = []
    threads = [threading.Thread(target=_client_loop, args=(i, server, stop, tally, args.malformed_every, kinds),
                                daemon=True) for i in range(args.clients)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        baseline = None
        while (elapsed := time.monotonic() - started) < args.warmup + args.duration:
            rss = process.memory_info().rss
            samples.append((elapsed, rss))
            if baseline is None and elapsed >= args.warmup:
                baseline = rss
            time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        final_rss = process.memory_info().rss
        # The server is unchanged by all of it: good answers over both protocols, still running.
        after = _good_requests(Client(server.grpc_target, MODEL, "grpc", timeout=60),
                               Client("%s:%d" % server.rest_address, MODEL, "rest", timeout=60),
                               {"grpc": Client(server.grpc_target, MODEL, "grpc", timeout=60, version=1),
                                "rest": Client("%s:%d" % server.rest_address, MODEL, "rest", timeout=60,
                                               version=1)})
        healthy = True
        for name, call in after:
            try:
                call()
            except (AssertionError, ServerError, OSError) as e:
                healthy = False
                print(f"after the soak, {name} failed: {e}")
        alive = server.process.poll() is None
    finally:
        stop.set()
        server.stop()
    log = open(server.log_path, encoding="utf-8", errors="replace").read()
    tracebacks = log.count("Traceback")
    seconds = time.monotonic() - started
    good_total, good_failed = sum(tally.good.values()), sum(tally.good_failed.values())
    malformed_total = sum(tally.malformed.values())
    kinds_answered = len(tally.malformed)
    kinds_wrong = len([k for k in tally.malformed_wrong if not k.startswith("(good)")])
    latencies = np.asarray(tally.latencies) * 1000
    growth = final_rss / baseline - 1 if baseline else float("nan")
    peak = max(rss for at, rss in samples if at >= args.warmup) if baseline else final_rss
    load = os.getloadavg()

    print(f"\n{args.clients} clients, {args.warmup:.0f} s warm-up + {args.duration:.0f} s measured "
          f"({seconds:.0f} s in all), every {args.malformed_every}th request malformed; "
          f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores\n")
    print("| measure | value | goal |")
    print("|---|---|---|")
    print(f"| good requests (gRPC + REST, checked against y = 0.5x + b) | {good_total} "
          f"({good_total / seconds:.0f}/s) | |")
    print(f"| failed good requests | {good_failed} | 0 |")
    if len(latencies):
        print(f"| good request latency p50 / p99 | {np.percentile(latencies, 50):.1f} / "
              f"{np.percentile(latencies, 99):.1f} ms | |")
    print(f"| malformed requests sent | {malformed_total} | |")
    print(f"| malformed kinds sent | {kinds_answered} of {len(kinds)} | >= 50 |")
    print(f"| malformed kinds not answered as a client error | {kinds_wrong} | 0 |")
    print(f"| server RSS after warm-up -> end (peak) | {baseline / 2**20:.0f} -> {final_rss / 2**20:.0f} MiB "
          f"({peak / 2**20:.0f}) | |" if baseline else "| server RSS | warm-up longer than the run | |")
    print(f"| RSS growth after warm-up | {growth:+.1%} | <= +10% |")
    print(f"| server alive and correct afterwards | {'yes' if alive and healthy else 'NO'} | yes |")
    print(f"| tracebacks in the server log | {tracebacks} | 0 |")
    if tally.malformed_wrong:
        print("\nwrong answers:")
        for name, detail in sorted(tally.malformed_wrong.items()):
            print(f"  {name}: {detail}")
    ok = (good_failed == 0 and kinds_wrong == 0 and kinds_answered >= min(50, len(kinds)) and growth <= 0.10
          and alive and healthy and tracebacks == 0)
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nresult: {'PASS' if ok else 'FAIL (server log: ' + server.log_path + ')'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
