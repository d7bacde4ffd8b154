"""Output directories that never lose an earlier run silently (HF's ``--overwrite_output_dir`` rule).

A command that writes a directory first looks for what an earlier run of it left there (its own file
names only). Without ``overwrite`` such a directory is refused; with it, exactly those entries are
removed first, so no stale metrics or event files end up beside the new results. Files the tool did not
write are never touched. Local paths and ``tf.io.gfile`` URLs (``gs://...``) both work.

Example:
    >>> import os, tempfile
    >>> out = tempfile.mkdtemp()
    >>> _ = open(os.path.join(out, "metrics.json"), "w").write("{}")
    >>> prepare_output_dir(out, ["metrics.json", "logs"], overwrite=False)
    Traceback (most recent call last):
    ...
    FileExistsError: output_dir ... already holds an earlier run (metrics.json); pass --overwrite_output_dir to replace it, or choose another directory
    >>> prepare_output_dir(out, ["metrics.json", "logs"], overwrite=True)
    ['metrics.json']
    >>> os.listdir(out)
    []
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from typing import Iterable

OVERWRITE_FLAG = "--overwrite_output_dir"


def _gfile(path: str):
    """tf.io.gfile for URLs (gs://, ram://); None for local paths, which need no TensorFlow."""
    if "://" not in path:
        return None
    import tensorflow as tf

    return tf.io.gfile


def earlier_outputs(path: str | os.PathLike, patterns: Iterable[str]) -> list[str]:
    """Names in ``path`` matching ``patterns`` (fnmatch), sorted; [] when ``path`` does not exist.

    Raises NotADirectoryError when ``path`` is a file.
    """
    path = os.fspath(path)
    gfile = _gfile(path)
    exists, isdir = (gfile.exists, gfile.isdir) if gfile else (os.path.exists, os.path.isdir)
    if not exists(path):
        return []
    if not isdir(path):
        raise NotADirectoryError(f"{path} is a file, not a directory")
    names = [name.rstrip("/") for name in (gfile.listdir(path) if gfile else os.listdir(path))]
    patterns = list(patterns)
    return sorted(name for name in names if any(fnmatch.fnmatchcase(name, p) for p in patterns))


def remove_outputs(path: str | os.PathLike, names: Iterable[str]) -> None:
    """Deletes ``path/name`` for each name (files or whole directories)."""
    path = os.fspath(path)
    gfile = _gfile(path)
    for name in names:
        target = os.path.join(path, name)
        if gfile:
            gfile.rmtree(target) if gfile.isdir(target) else gfile.remove(target)
        elif os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        else:
            os.remove(target)


def prepare_output_dir(path: str | os.PathLike, patterns: Iterable[str], overwrite: bool,
                       what: str = "output_dir") -> list[str]:
    """Refuses ``path`` when it holds an earlier run (entries matching ``patterns``), unless ``overwrite``:
    then removes those entries. Returns the names removed."""
    try:
        found = earlier_outputs(path, patterns)
    except NotADirectoryError:
        raise NotADirectoryError(f"{what} {os.fspath(path)} is a file, not a directory") from None
    if found and not overwrite:
        shown = ", ".join(found[:6]) + (", ..." if len(found) > 6 else "")
        raise FileExistsError(f"{what} {os.fspath(path)} already holds an earlier run ({shown}); pass "
                              f"{OVERWRITE_FLAG} to replace it, or choose another directory")
    remove_outputs(path, found)
    return found
