"""PEP 562 lazy attributes for a package's public names.

The packages whose public names sit behind heavy imports (TensorFlow, Keras, tensorflow-text) list them
as ``name -> defining module`` and install these hooks, so that ``import albert_tf`` or a command's
``--help`` pays only for what is used.

Example:
    >>> table = {"dumps": "json"}
    >>> getattr_, dir_ = lazy_exports("demo", table, {})
    >>> getattr_("dumps")([1])
    '[1]'
"""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_exports(package: str, exports: dict[str, str], namespace: dict) -> tuple[Callable, Callable]:
    """The module-level ``__getattr__`` and ``__dir__`` for ``package``: a name in ``exports`` is imported
    from its module on first use and cached in ``namespace`` (the package's ``globals()``)."""

    def __getattr__(name: str):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
