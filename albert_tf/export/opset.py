"""Op-set check: can stock ``tensorflow_model_server`` load this SavedModel?

The server links TensorFlow's core ops plus tensorflow-text's op library (``SUPPORTED_TENSORFLOW_OPS``),
nothing else. So every op in the graph and in every library function must be registered by ``import
tensorflow`` or by ``import tensorflow_text``, and none may call back into Python (``PyFunc``,
``EagerPyFunc``: the server has no interpreter). The registered sets are read from a fresh interpreter, so
libraries imported by the calling process cannot widen them.

Example:
    >>> report = check_op_set("/tmp/models/sst2/1")        # doctest: +SKIP
    >>> report.text_ops                                    # doctest: +SKIP
    ['RegexSplitWithOffsets', 'SentencepieceOp', 'SentencepieceTokenizeOp', ...]
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import subprocess
import sys

# Core ops that need a Python interpreter at run time.
PYTHON_CALLBACK_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})

_LIST_REGISTERED_OPS = r"""
import json, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from tensorflow.core.framework import op_def_pb2
from tensorflow.python.client import pywrap_tf_session as session

def registered():
    buffer = session.TF_GetAllOpList()
    ops = op_def_pb2.OpList()
    ops.ParseFromString(session.TF_GetBuffer(buffer))
    return sorted({op.name for op in ops.op})

core = registered()
import tensorflow_text  # registers its kernels and ops, as TF Serving's build links them
print(json.dumps({"core": core, "text": sorted(set(registered()) - set(core))}))
"""


class UnsupportedOpsError(ValueError):
    """The SavedModel uses ops stock TF Serving does not have."""


@dataclasses.dataclass(frozen=True)
class OpSetReport:
    ops: tuple[str, ...]  # every op type used, sorted
    text_ops: tuple[str, ...]  # those registered by tensorflow-text
    unsupported: tuple[str, ...]  # registered by neither, or Python callbacks

    @property
    def ok(self) -> bool:
        return not self.unsupported


@functools.lru_cache(maxsize=1)
def registered_ops() -> tuple[frozenset[str], frozenset[str]]:
    """(core ops, tensorflow-text ops), read in a fresh interpreter that imports only those two."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", _LIST_REGISTERED_OPS], capture_output=True, text=True,
                            env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"listing registered TensorFlow ops failed:\n{result.stderr[-2000:]}")
    lists = json.loads(result.stdout.strip().splitlines()[-1])
    return frozenset(lists["core"]), frozenset(lists["text"])


def saved_model_ops(saved_model_dir: str | os.PathLike) -> set[str]:
    """Every op type in a SavedModel's graphs, including all library functions (nested ones too)."""
    from tensorflow.core.protobuf import saved_model_pb2

    path = os.path.join(os.fspath(saved_model_dir), "saved_model.pb")
    proto = saved_model_pb2.SavedModel()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    ops = set()
    for meta_graph in proto.meta_graphs:
        graph = meta_graph.graph_def
        ops.update(node.op for node in graph.node)
        for function in graph.library.function:
            ops.update(node.op for node in function.node_def)
    # Library functions are called by name (PartitionedCall's `f` attr, or as an op type); a function
    # name is not an op, so drop those.
    functions = {f.signature.name for mg in proto.meta_graphs for f in mg.graph_def.library.function}
    return ops - functions


def check_op_set(saved_model_dir: str | os.PathLike, raise_on_error: bool = True) -> OpSetReport:
    """Checks that stock TF Serving (TF core + tensorflow-text ops) can load ``saved_model_dir``.

    Raises:
        UnsupportedOpsError: with ``raise_on_error``, when an op is neither core TF nor tensorflow-text,
            or is a Python callback (``PyFunc``/``EagerPyFunc``).
    """
    core, text = registered_ops()
    ops = saved_model_ops(saved_model_dir)
    unsupported = sorted(op for op in ops if op in PYTHON_CALLBACK_OPS or (op not in core and op not in text))
    report = OpSetReport(tuple(sorted(ops)), tuple(sorted(ops & text)), tuple(unsupported))
    if unsupported and raise_on_error:
        raise UnsupportedOpsError(
            f"{saved_model_dir}: ops stock tensorflow_model_server cannot run: {', '.join(unsupported)} "
            "(allowed: TensorFlow core and tensorflow-text ops, no Python callbacks)")
    return report
