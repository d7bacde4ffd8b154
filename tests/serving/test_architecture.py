"""albert_tf/serving loads SavedModels as TF Serving does, so it must not depend on how models are built."""

from __future__ import annotations

import ast
import os
import sys

SERVING = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "albert_tf", "serving")
# The TensorFlow serving stack (numpy and protobuf come with it) plus the standard library.
ALLOWED = {"tensorflow", "tensorflow_text", "tensorflow_serving", "grpc", "grpc_health", "numpy", "google", "albert_tf"}


def imported_modules(path: str) -> set[str]:
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def test_serving_imports_only_the_serving_stack():
    for filename in sorted(os.listdir(SERVING)):
        if not filename.endswith(".py"):
            continue
        for module in imported_modules(os.path.join(SERVING, filename)):
            top = module.split(".")[0]
            assert top in ALLOWED or top in sys.stdlib_module_names, f"{filename} imports {module}"
            if top == "google":
                assert module.startswith("google.protobuf"), f"{filename} imports {module}"
            if top == "albert_tf":
                # albert_tf.utils: model-agnostic helpers (lazy imports, atomic writes), no modeling code.
                assert module.startswith(("albert_tf.serving", "albert_tf.utils")), f"{filename} imports {module}"
