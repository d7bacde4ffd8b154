"""Run TF Serving's own model-server test file, unchanged, against `albert-tf serve`.

Given a tensorflow/serving checkout (a work tree or a bare clone), this copies
``tensorflow_serving/model_servers/tensorflow_model_server_test.py`` and its ``test_util`` base into a temp
dir exactly as they are, builds the test models with our generator (tests/serving/upstream_models.py), lays
them out as upstream's ``TEST_SRCDIR`` tree with ``model_servers/tensorflow_model_server`` being a wrapper
that execs ``albert-tf serve`` with the arguments it gets, and runs the tests. Only
``half_plus_two_model_metadata.json`` (an expected output, not a model) is taken from the checkout.
It prints each test's outcome and a summary; nothing is written to the repository. Not part of CI (it
needs a checkout of tensorflow/serving); tests/serving/test_upstream_model_server.py is CI's port.

Example:
    $ git clone --depth=1 <tensorflow/serving> /tmp/serving
    $ .venv/bin/python serving/conformance/run_upstream_suite.py /tmp/serving
    $ .venv/bin/python serving/conformance/run_upstream_suite.py /tmp/serving.git --rev=9d981c5 -- -k UDS
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tests.serving import upstream_models  # noqa: E402  # the repository root is only now on sys.path

SERVER_TESTS = "tensorflow_serving/model_servers"
UPSTREAM_FILES = (f"{SERVER_TESTS}/tensorflow_model_server_test.py",
                  f"{SERVER_TESTS}/test_util/tensorflow_model_server_test_base.py")
EXPECTED_OUTPUTS = (f"{upstream_models.TESTDATA}/half_plus_two_model_metadata.json",)
# Cases that need what this CPU-only server does not have (see tests/serving/test_upstream_model_server.py).
OUT_OF_SCOPE = {
    "testPredictOnTfLite": "TensorFlow Lite runtime",
    "testPredictWithSignatureDefOnTfLite": "TensorFlow Lite runtime",
    "test_profiler_service_with_valid_trace_request": "profiler service",
}
# Puts the copied model_servers package next to the installed tensorflow_serving (apis, config), then runs
# the unchanged test file as __main__, as `bazel test` would.
# test_tf_text reads os.environ as `flags.os.environ`; TF 2.21's tensorflow.python.platform.flags no longer
# imports os, so the module gets it back (an environment shim; the test file itself is untouched).
BOOTSTRAP = """
import os, runpy, sys, tensorflow_serving
from tensorflow.python.platform import flags
flags.os = getattr(flags, "os", os)
tensorflow_serving.__path__.append({package!r})
sys.argv = [{test!r}] + sys.argv[1:]
runpy.run_path({test!r}, run_name="__main__")
"""


def read_upstream(checkout: str, rev: str, path: str) -> bytes:
    """A file of the checkout at ``rev`` (git), or from its work tree when ``rev`` is empty."""
    if not rev and os.path.exists(os.path.join(checkout, path)):
        with open(os.path.join(checkout, path), "rb") as f:
            return f.read()
    return subprocess.run(["git", "-C", checkout, "show", f"{rev or 'HEAD'}:{path}"], check=True,
                          capture_output=True).stdout


def prepare(checkout: str, rev: str, work: str) -> tuple[str, dict]:
    """Lay out TEST_SRCDIR under ``work``; returns (bootstrap script, environment)."""
    srcdir = os.path.join(work, "srcdir")
    root = os.path.join(srcdir, "tf_serving")
    for path in UPSTREAM_FILES + EXPECTED_OUTPUTS:
        target = os.path.join(root if path in EXPECTED_OUTPUTS else work, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(read_upstream(checkout, rev, path))
    for package in ("tensorflow_serving/model_servers", "tensorflow_serving/model_servers/test_util"):
        open(os.path.join(work, package, "__init__.py"), "a").close()
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2", TEST_SRCDIR=srcdir,
               TF_USE_LEGACY_KERAS="1")  # the tests use tf.keras as Keras 2 (tf_keras), as in their CI
    with open(os.path.join(work, "generate.log"), "wb") as log:
        subprocess.run([sys.executable, "-m", "tests.serving.upstream_models", root], check=True, env=env,
                       cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    binary = os.path.join(root, SERVER_TESTS, "tensorflow_model_server")
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    with open(binary, "w") as f:
        f.write(f"#!/bin/sh\ncd {shlex.quote(REPO)}\n"
                f"exec {shlex.quote(sys.executable)} -m albert_tf.cli serve \"$@\"\n")
    os.chmod(binary, 0o755)
    bootstrap = os.path.join(work, "bootstrap.py")
    with open(bootstrap, "w") as f:
        f.write(BOOTSTRAP.format(package=os.path.join(work, "tensorflow_serving"),
                                 test=os.path.join(work, UPSTREAM_FILES[0])))
    return bootstrap, env


def outcomes(xml_path: str) -> dict[str, str]:
    results = {}
    for case in ElementTree.parse(xml_path).iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None or case.get("result") == "suppressed"
        results[case.get("name")] = "FAIL" if failed else "SKIP" if skipped else "PASS"
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", help="a tensorflow/serving checkout (work tree or bare git dir)")
    parser.add_argument("--rev", default="", help="git revision to read the test files from (default: work tree "
                        "or HEAD)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir even when every test passes")
    parser.add_argument("test_args", nargs="*", help="extra arguments for the test runner, after --")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tfs-upstream-")
    bootstrap, env = prepare(args.checkout, args.rev, work)
    xml_path = os.path.join(work, "results.xml")
    log_path = os.path.join(work, "test.log")
    with open(log_path, "wb") as log:
        subprocess.run([sys.executable, bootstrap, f"--xml_output_file={xml_path}",
                        f"--test_tmpdir={os.path.join(work, 'test_tmpdir')}", *args.test_args],
                       env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT, timeout=3600)
    if not os.path.exists(xml_path):
        print(f"the test run wrote no results; see {log_path}")
        return 2
    results = outcomes(xml_path)
    for name, outcome in sorted(results.items()):
        note = f"  (out of scope: {OUT_OF_SCOPE[name]})" if name in OUT_OF_SCOPE else ""
        print(f"{outcome}  {name}{note}")
    # tf.test.TestCase's own test_session() is collected too; it is not one of upstream's cases.
    results.pop("test_session", None)
    in_scope = {n: o for n, o in results.items() if n not in OUT_OF_SCOPE}
    passed = sum(o == "PASS" for o in in_scope.values())
    print(f"{passed} of {len(in_scope)} in-scope tests pass ({len(results)} run, {len(results) - len(in_scope)} "
          f"out of scope); log: {log_path}")
    ok = passed == len(in_scope)
    if ok and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept for inspection: {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
