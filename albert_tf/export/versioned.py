"""Atomic, versioned SavedModel directories: ``BASE/NAME/<version>/`` appears complete or not at all.

TF Serving polls ``BASE/NAME`` and loads any child whose name parses as an integer as soon as it appears
(tensorflow/serving #631, #1086, #572: half-written versions fail to load). So a version is built in a
hidden, non-numeric temporary directory beside it (same filesystem) and renamed into place at the end.

Example:
    >>> import os, tempfile
    >>> base = tempfile.mkdtemp()
    >>> with versioned_export_dir(os.path.join(base, "m")) as (tmp, version):
    ...     _ = open(os.path.join(tmp, "saved_model.pb"), "wb").write(b"")
    >>> version, sorted(os.listdir(os.path.join(base, "m")))
    (1, ['1'])
    >>> next_version(os.path.join(base, "m"))
    2
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator

TEMP_PREFIX = ".tmp-export-"


def existing_versions(model_dir: str | os.PathLike) -> list[int]:
    """Integer-named children of ``model_dir`` (what TF Serving treats as versions), ascending."""
    model_dir = os.fspath(model_dir)
    if not os.path.isdir(model_dir):
        return []
    versions = []
    for name in os.listdir(model_dir):
        # TF Serving parses the whole name as an int64; "007" is version 7, "-1" and "1a" are ignored.
        if name.isdigit() and os.path.isdir(os.path.join(model_dir, name)):
            versions.append(int(name))
    return sorted(versions)


def next_version(model_dir: str | os.PathLike) -> int:
    """One more than the highest existing version, or 1."""
    versions = existing_versions(model_dir)
    return versions[-1] + 1 if versions else 1


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_tree(root: str) -> None:
    """Flush every file and directory under ``root`` so the rename publishes durable contents."""
    for directory, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def versioned_export_dir(model_dir: str | os.PathLike, version: int | None = None) -> Iterator[tuple[str, int]]:
    """Yields ``(temporary_dir, version)``; on success the temporary dir becomes ``model_dir/<version>``.

    The temporary directory is a hidden, non-numeric sibling, so a polling server never sees it. On error
    it is deleted and nothing is published.

    Raises:
        FileExistsError: ``model_dir/<version>`` already exists (versions are immutable once served).
        ValueError: ``version`` is not a non-negative integer.
    """
    model_dir = os.path.abspath(os.fspath(model_dir))
    if version is None:
        version = next_version(model_dir)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(f"version must be a non-negative integer, got {version!r}")
    final = os.path.join(model_dir, str(version))
    if os.path.exists(final):
        raise FileExistsError(f"{final} already exists; versions are immutable: pick another --version")
    os.makedirs(model_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{version}-", dir=model_dir)
    # mkdtemp makes the directory private (0700); a server running as another user (the Docker image)
    # must be able to read the published version, so give it the permissions a plain mkdir would.
    os.chmod(tmp, 0o777 & ~_current_umask())
    try:
        yield tmp, version
        _fsync_tree(tmp)
        if os.path.exists(final):  # another writer published this version meanwhile
            raise FileExistsError(f"{final} appeared during the export; nothing was overwritten")
        os.rename(tmp, final)
        fd = os.open(model_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
