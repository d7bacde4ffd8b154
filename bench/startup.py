"""Start-up time of the `albert-tf` commands: seconds until the process exits, and whether TF was loaded.

Each case runs in a fresh interpreter (absl flags and imports are process-global), several times; the
table shows the median wall time and whether ``tensorflow`` ended up in ``sys.modules``.

Example:
    $ .venv/bin/python bench/startup.py            # 3 runs per case
    $ .venv/bin/python bench/startup.py --runs=1
"""

import os
import sys

# Python puts this script's directory first on sys.path, where a sibling bench script (bench/tokenize.py)
# would shadow the standard library module of the same name; import from the repository root instead.
_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _BENCH_DIR]
sys.path.insert(0, os.path.dirname(_BENCH_DIR))

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

REPO = os.path.dirname(_BENCH_DIR)
# Runs the CLI the way the console script does, then reports whether TensorFlow was imported.
PROBE = ("import sys, runpy\n"
         "sys.argv = ['albert-tf'] + sys.argv[1:]\n"
         "code = 0\n"
         "try:\n"
         "    runpy.run_module('albert_tf.cli', run_name='__main__')\n"
         "except SystemExit as e:\n"
         "    code = e.code if isinstance(e.code, int) else int(e.code is not None)\n"
         "sys.stderr.write('\\nTF_LOADED=%s\\n' % ('tensorflow' in sys.modules))\n"
         "sys.exit(code)\n")


def cases(tmp: str) -> list[tuple[list[str], int]]:
    """(arguments, the exit status that means the case ran as intended)."""
    import socket

    from albert_tf.cli import COMMANDS

    corpus = os.path.join(REPO, "data", "wiki_sample.txt")
    out = [(["--help"], 0), (["--version"], 0)]
    out += [([name, "--help"], 0) for name in COMMANDS]
    out.append((["train-tokenizer", f"--input={corpus}", "--vocab_size=500", "--max_lines=2000",
                 f"--output_dir={os.path.join(tmp, 'spm')}", "--overwrite_output_dir", "--noprogress_bar"], 0))
    # The REST client up to its answer; no server listens on the port, so the answer is "connection refused"
    # (exit status 1), which needs the same imports as a real reply.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out.append((["predict", "--protocol=rest", f"--server=127.0.0.1:{port}", "--model_name=m", "some text"], 1))
    return out


def measure(args: list[str], runs: int) -> tuple[float, bool, int]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPO}
    times, loaded, rc = [], False, 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                              cwd=REPO, timeout=600)
        times.append(time.perf_counter() - start)
        loaded = "TF_LOADED=True" in done.stderr
        rc = done.returncode
    return statistics.median(times), loaded, rc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("| command | seconds (median of %d) | imports tensorflow |" % args.runs)
    print("|---|---:|---|")
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for case, expected_rc in cases(tmp):
            seconds, loaded, rc = measure(case, args.runs)
            shown = " ".join(a if not a.startswith(("--input=", "--output_dir=", "--server=")) else
                             a.split("=")[0] + "=..." for a in case)
            # A case that did not run as intended (an unknown flag, a crash) is no start-up time.
            note = "" if rc == expected_rc else f" (exited {rc}, expected {expected_rc})"
            if note:
                failed.append(shown)
            print(f"| `albert-tf {shown}` | {seconds:.2f}{note} | {'yes' if loaded else 'no'} |", flush=True)
    if failed:
        sys.exit(f"{len(failed)} case(s) did not run as intended: {failed}")


if __name__ == "__main__":
    main()
