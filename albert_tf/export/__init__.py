"""Exporters: signature-typed, text-in SavedModels for every ALBERT head, loadable by stock TF Serving.

Example:
    >>> from albert_tf.export import export_saved_model, signature_specs, check_op_set
    >>> path = export_saved_model(model, tokenizer, "/models/sst2", max_length=128)   # doctest: +SKIP
    >>> check_op_set(path).ok                                                          # doctest: +SKIP
    True
"""

from albert_tf.utils.lazy import lazy_exports as _lazy_exports

# Public name -> defining module. Lazy, so that `albert-tf export --help` (which reads TASKS from the
# TF-free signatures module) does not pay for importing TensorFlow.
_EXPORTS = {
    "ExportOptions": "albert_tf.export.module",
    "ServingModule": "albert_tf.export.module",
    "TASKS": "albert_tf.export.signatures",
    "UnsupportedOpsError": "albert_tf.export.opset",
    "check_op_set": "albert_tf.export.opset",
    "existing_versions": "albert_tf.export.versioned",
    "export_saved_model": "albert_tf.export.exporter",
    "next_version": "albert_tf.export.versioned",
    "signature_specs": "albert_tf.export.signatures",
    "versioned_export_dir": "albert_tf.export.versioned",
}


__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())

__all__ = sorted(_EXPORTS)
