"""The atomic versioned writer: a polling server sees a version complete or not at all (TF Serving's layout
and its known partial-version failures, tensorflow/serving #631/#1086/#572)."""

import os
import stat
import threading
import time

import pytest

from albert_tf.export.versioned import existing_versions, next_version, versioned_export_dir


def test_versions_are_integer_named_directories(tmp_path):
    for name in ("1", "3", "007", "tmp", "-2", "4a", ".tmp-export-9-x"):
        (tmp_path / name).mkdir()
    (tmp_path / "12").write_text("a file, not a version")
    assert existing_versions(tmp_path) == [1, 3, 7]
    assert next_version(tmp_path) == 8
    assert next_version(tmp_path / "missing") == 1


def test_publishes_next_version_and_leaves_nothing_else(tmp_path):
    model_dir = tmp_path / "m"
    for expected in (1, 2):
        with versioned_export_dir(model_dir) as (tmp, version):
            assert version == expected
            name = os.path.basename(tmp)
            assert not name.isdigit() and name.startswith(".")
            assert os.path.dirname(tmp) == str(model_dir)  # same filesystem: rename is atomic
            open(os.path.join(tmp, "saved_model.pb"), "wb").close()
    assert sorted(os.listdir(model_dir)) == ["1", "2"]
    mode = os.stat(model_dir / "2").st_mode
    assert mode & stat.S_IRGRP and mode & stat.S_IXOTH  # readable by a server running as another user


def test_failure_publishes_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with versioned_export_dir(tmp_path) as (tmp, _):
            open(os.path.join(tmp, "saved_model.pb"), "wb").close()
            raise RuntimeError("save failed")
    assert os.listdir(tmp_path) == []


def test_existing_version_is_never_overwritten(tmp_path):
    (tmp_path / "3").mkdir()
    (tmp_path / "3" / "saved_model.pb").write_text("served")
    with pytest.raises(FileExistsError, match="immutable"):
        with versioned_export_dir(tmp_path, version=3):
            pass
    assert (tmp_path / "3" / "saved_model.pb").read_text() == "served"
    with pytest.raises(ValueError, match="non-negative"):
        with versioned_export_dir(tmp_path, version=-1):
            pass


def test_polling_server_never_sees_a_partial_version(tmp_path):
    files = [f"variables/part-{i}" for i in range(20)] + ["saved_model.pb"]
    seen_partial, seen_complete, done = [], [], threading.Event()

    def poll():  # what TF Serving's file-system source does: any integer-named child is a version
        while not done.is_set():
            for version in existing_versions(tmp_path):
                present = {os.path.relpath(os.path.join(d, f), tmp_path / str(version))
                           for d, _, fs in os.walk(tmp_path / str(version)) for f in fs}
                (seen_complete if present == set(files) else seen_partial).append(version)
            time.sleep(0.001)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        with versioned_export_dir(tmp_path) as (tmp, _):
            os.makedirs(os.path.join(tmp, "variables"))
            for name in files:
                with open(os.path.join(tmp, name), "w") as f:
                    f.write("x" * 1000)
                time.sleep(0.005)
        time.sleep(0.05)
    finally:
        done.set()
        poller.join()
    assert not seen_partial
    assert seen_complete


def test_real_export_layout(exports):
    exp = exports["sequence_classification"]
    model_dir = os.path.dirname(exp.path)
    assert os.listdir(model_dir) == ["1"]
    for name in ("saved_model.pb", "variables", "assets.extra/tf_serving_warmup_requests"):
        assert os.path.exists(os.path.join(exp.path, name)), name
