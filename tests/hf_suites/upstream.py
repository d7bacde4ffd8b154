"""Hugging Face's own test mixins, fetched from the transformers sdist at test time (never vendored).

The TF model tests (`TFModelTesterMixin`, `ConfigTester`) live in the transformers 4.52.4 sdist, the last
release with TF tests; the tokenizer mixin we run is the 4.57.6 one. `pip download` puts the sdist in a cache
(``ALBERT_TF_UPSTREAM_CACHE``, default ``~/.cache/albert-tf/upstream``), the files named are extracted once and
imported under a private package name, so upstream's ``tests`` never shadows ours.

Example:
    >>> common = load_upstream_module("4.52.4", "tests/test_modeling_tf_common.py")  # doctest: +SKIP
    >>> common.TFModelTesterMixin  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CACHE = Path(os.environ.get("ALBERT_TF_UPSTREAM_CACHE", Path.home() / ".cache" / "albert-tf" / "upstream"))


def upstream_sdist(version: str) -> Path:
    """Path of ``transformers-<version>.tar.gz`` in the cache, downloaded from the package index if absent."""
    target = CACHE / f"transformers-{version}.tar.gz"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             f"transformers=={version}", "-d", tmp],
            check=True,
        )
        (downloaded,) = Path(tmp).glob("transformers-*.tar.gz")
        os.replace(downloaded, target)  # atomic: a concurrent run never sees half a file
    return target


def upstream_file(version: str, relative: str) -> Path:
    """Path of ``transformers-<version>/<relative>``, extracted from the sdist (with every sibling) once.

    All of the sdist's ``tests/*.py`` are extracted together because upstream files import their siblings
    (``from .test_configuration_common import ConfigTester``).
    """
    root = CACHE / f"transformers-{version}"
    out = root / relative
    if out.exists():
        return out
    prefix = f"transformers-{version}/"
    wanted = Path(relative).parent
    with tarfile.open(upstream_sdist(version)) as archive:
        for member in archive.getmembers():
            name = member.name[len(prefix):]
            if not (member.isfile() and member.name.startswith(prefix) and name.endswith(".py")):
                continue
            if Path(name).parent != wanted:
                continue
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(archive.extractfile(member).read())
            os.replace(tmp, target)  # atomic: concurrent test processes never read half a file
    if not out.exists():
        raise FileNotFoundError(f"{relative} is not in the transformers {version} sdist")
    return out


def load_upstream_module(version: str, relative: str, package: str = "hf_upstream"):
    """Import an upstream test file as ``<package>_<version>.<dotted path>`` and return the module.

    Upstream test files import their siblings as ``from ..test_x import`` or ``from .test_x import``; a
    package per version is registered so those relative imports resolve to other cached upstream files.
    """
    root_name = f"{package}_{version.replace('.', '_')}"
    root_dir = CACHE / f"transformers-{version}"
    parts = Path(relative).with_suffix("").parts
    # Register the package chain (root, root.tests, root.tests.models, ...) over the cache directory.
    for depth in range(len(parts)):
        name = ".".join((root_name,) + parts[:depth])
        if name not in sys.modules:
            spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
            module = importlib.util.module_from_spec(spec)
            module.__path__ = [str(root_dir.joinpath(*parts[:depth]))]
            sys.modules[name] = module
    full_name = ".".join((root_name,) + parts)
    if full_name in sys.modules:
        return sys.modules[full_name]
    path = upstream_file(version, relative)
    _importable_in_children(root_name, root_dir)
    spec = importlib.util.spec_from_file_location(full_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[full_name] = module
    spec.loader.exec_module(module)
    return module


def _importable_in_children(root_name: str, root_dir: Path) -> None:
    """Make ``root_name`` importable from ``sys.path`` too, for processes started with ``spawn``.

    transformers' ``run_test_in_subprocess`` (the subword-regularization tests) pickles upstream's module-level
    functions by module name into a spawned child. The child inherits ``sys.path`` but not the packages
    registered above, so without this it dies unpickling and the parent waits on its queue until timeout. A
    symlink ``<cache>/importable/<root_name>`` to the extracted sdist resolves the same modules there.
    """
    links = CACHE / "importable"
    links.mkdir(parents=True, exist_ok=True)
    link = links / root_name
    if not link.exists():
        tmp = links / f".{root_name}.{os.getpid()}"
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(root_dir, tmp, target_is_directory=True)
        os.replace(tmp, link)  # atomic: concurrent test processes never see a half-made link
    if str(links) not in sys.path:
        sys.path.append(str(links))
