"""Exporters: signature-typed, text-in SavedModels for every ALBERT head, loadable by stock TF Serving.

Example:
    >>> from albert_tf.export import export_saved_model, signature_specs, check_op_set
    >>> path = export_saved_model(model, tokenizer, "/models/sst2", max_length=128)   # doctest: +SKIP
    >>> check_op_set(path).ok                                                          # doctest: +SKIP
    True
"""

from albert_tf.export.exporter import export_saved_model
from albert_tf.export.module import ExportOptions, ServingModule
from albert_tf.export.opset import UnsupportedOpsError, check_op_set
from albert_tf.export.signatures import TASKS, signature_specs
from albert_tf.export.versioned import existing_versions, next_version, versioned_export_dir

__all__ = [
    "ExportOptions",
    "ServingModule",
    "TASKS",
    "UnsupportedOpsError",
    "check_op_set",
    "existing_versions",
    "export_saved_model",
    "next_version",
    "signature_specs",
    "versioned_export_dir",
]
