"""Entry point of the Bazel py_test targets (see BUILD): runs pytest on the paths given as arguments.

Bazel runs each test from its runfiles tree, where the workspace root holds `albert_tf/`, `tests/`, `data/`
and `setup.cfg`. The root goes first on sys.path so `import albert_tf` and `from tests... import ...`
resolve to the runfiles copies. Results are also written as JUnit XML to the file Bazel names, so
`bazel test` reports individual test cases.

Example (what BUILD runs for //:tests_modeling, from the runfiles root):
    python3 tests/bazel_pytest_runner.py tests/modeling
"""

import os
import sys


def workspace_root() -> str:
    """The runfiles copy of the workspace root (falls back to this file's parent directory outside Bazel)."""
    srcdir, workspace = os.environ.get("TEST_SRCDIR"), os.environ.get("TEST_WORKSPACE")
    if srcdir and workspace and os.path.isdir(os.path.join(srcdir, workspace)):
        return os.path.join(srcdir, workspace)
    # abspath, not realpath: the runfiles entries are symlinks and the tree around them must be kept.
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: bazel_pytest_runner.py TEST_PATH [TEST_PATH ...]", file=sys.stderr)
        return 2
    root = workspace_root()
    os.chdir(root)
    sys.path.insert(0, root)

    import pytest

    args = ["-p", "no:cacheprovider", "-q", "--rootdir", root]
    # The runfiles tree is Bazel's output: keep pytest's scratch files in the per-test temp directory.
    if os.environ.get("TEST_TMPDIR"):
        args += ["--basetemp", os.path.join(os.environ["TEST_TMPDIR"], "pytest")]
    if os.environ.get("XML_OUTPUT_FILE"):
        args += ["--junitxml", os.environ["XML_OUTPUT_FILE"]]
    return int(pytest.main(args + list(paths)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
