"""Which versions of a model exist and which are aspired, as TF Serving's FileSystemStoragePathSource finds
them: every child directory of the base path whose name is an integer is a version, and the model's version
policy (latest N, all, specific) picks the ones to serve.

Example:
    >>> from tensorflow_serving.config import file_system_storage_path_source_pb2 as fs
    >>> sorted(_aspired_versions(fs.FileSystemStoragePathSourceConfig.ServableVersionPolicy(), [1, 2, 5]))
    [5]
"""

from __future__ import annotations

import os
import re

_VERSION_DIR = re.compile(r"[0-9]+")


def _list_versions(base_path: str) -> dict[int, str]:
    """{version: path} for every child directory of base_path whose name is an integer."""
    try:
        names = os.listdir(base_path)
    except OSError:
        return {}
    versions = {}
    for name in names:
        path = os.path.join(base_path, name)
        if _VERSION_DIR.fullmatch(name) and os.path.isdir(path):
            versions[int(name)] = path
    return versions


def _aspired_versions(policy, on_disk: list[int]) -> set[int]:
    """FileSystemStoragePathSource's version policies over the versions found on disk (ascending)."""
    choice = policy.WhichOneof("policy_choice")
    if choice == "all":
        return set(on_disk)
    if choice == "specific":
        return set(policy.specific.versions) & set(on_disk)
    count = policy.latest.num_versions if choice == "latest" and policy.latest.num_versions > 0 else 1
    return set(on_disk[-count:])
