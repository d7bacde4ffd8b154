"""Suite-wide settings: TF backend, quiet logs, deterministic seeds."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# No test may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# `make test` runs two pytest-xdist workers with --dist loadgroup (most of the suite's time is single-threaded
# tracing, graph optimization and subprocesses, so one worker leaves a core idle). Each file is one group, so
# its module fixtures are built once; tests/export is one group because its package fixture exports nine
# models that most of its files read.
_PACKAGE_GROUPS = ("export",)


def pytest_collection_modifyitems(config, items):
    import pytest

    tests_dir = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        relative = os.path.relpath(str(item.path), tests_dir).split(os.sep)
        group = relative[0] if relative[0] in _PACKAGE_GROUPS else "/".join(relative)
        item.add_marker(pytest.mark.xdist_group(group))
