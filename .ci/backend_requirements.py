"""Prints the requirements of `make test-jax`'s environment: albert_tf's own, without TensorFlow.

One place for the pins: setup.cfg. Taken from it: install_requires without the tensorflow* packages,
the jax, flax and torch extras, and the entries of the test extra that need no TensorFlow.
"""

import configparser
import pathlib
import re

# Test-extra entries for HF's TF suites or keras-hub, which need TensorFlow.
_NEEDS_TENSORFLOW = {"keras-hub", "tf-keras", "datasets", "portpicker", "parameterized"}


def _entries(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def main() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(pathlib.Path(__file__).resolve().parent.parent / "setup.cfg")
    extras = cfg["options.extras_require"]
    lines = [r for r in _entries(cfg["options"]["install_requires"]) if not _name(r).startswith("tensorflow")]
    for extra in ("jax", "flax", "torch"):
        lines += _entries(extras[extra])
    lines += [r for r in _entries(extras["test"]) if _name(r) not in _NEEDS_TENSORFLOW]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
