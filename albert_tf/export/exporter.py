"""``export_saved_model``: a versioned, warmed-up, op-checked SavedModel for TF Serving.

Example:
    >>> from albert_tf import TFAlbertForSequenceClassification
    >>> from albert_tf.tokenization import AlbertTokenizer
    >>> model = TFAlbertForSequenceClassification.from_pretrained("my_model")   # doctest: +SKIP
    >>> tokenizer = AlbertTokenizer.from_pretrained("my_model")                  # doctest: +SKIP
    >>> export_saved_model(model, tokenizer, "/models/sst2")                     # doctest: +SKIP
    '/models/sst2/1'
"""

from __future__ import annotations

import json
import os

from albert_tf.export import examples, signatures, warmup
from albert_tf.export.module import ExportOptions, ServingModule, model_task
from albert_tf.export.opset import check_op_set
from albert_tf.export.versioned import versioned_export_dir
from albert_tf.utils.progress import ProgressBar, progress_enabled

EXPORT_INFO_FILE = "albert_tf_export.json"


def export_saved_model(
    model,
    tokenizer,
    export_dir: str | os.PathLike,
    task: str | None = None,
    version: int | None = None,
    *,
    options: ExportOptions | None = None,
    check_ops: bool = True,
    verify_warmup: bool = True,
    progress: bool = False,
    **option_values,
) -> str:
    """Exports ``model`` as ``export_dir/<version>/`` (TF Serving's ``BASE/NAME/<version>`` layout).

    The version is built in a hidden temporary directory beside it and renamed into place, so a polling
    server never sees a partial version. It holds the signatures of
    :func:`albert_tf.export.signatures.signature_specs` (``serving_default`` on raw strings, ``predict_ids``,
    and ``classify``/``regress`` for sequence classifiers), warmup records in
    ``assets.extra/tf_serving_warmup_requests`` (replayed here before publishing), and
    ``assets.extra/albert_tf_export.json`` describing the export.

    Args:
        model: an albert_tf ``TFAlbert*`` model.
        tokenizer: the :class:`~albert_tf.tokenization.AlbertTokenizer` the model was trained with.
        export_dir: ``BASE/NAME``; ``NAME`` is the model name in the warmup requests.
        task: the head to export; inferred from the model class when None.
        version: integer version; the next free one when None. An existing version is never overwritten.
        options: an :class:`~albert_tf.export.options.ExportOptions` (its ``task`` must match); or, instead,
        its fields as keywords (``max_length``, ``text_pair``, ``ids_only``, ``top_k``, the question
        answering windows, ``num_chunks``, ...), with its defaults.
        check_ops: fail unless every op is TensorFlow core or tensorflow-text (what stock
            ``tensorflow_model_server`` can load).
        verify_warmup: replay the warmup records before publishing (a failing record would fail the
            server's load); costs one graph optimization per signature.
        progress: show the stages (tracing, warmup check, saving, op check) on stderr when it is a terminal.

    Returns:
        The absolute path of the published version directory.
    """
    import tensorflow as tf

    inferred = model_task(model)
    if options is not None:
        if option_values:
            raise TypeError("pass either options or option keywords, not both "
                            f"(got {', '.join(sorted(option_values))})")
        if task is not None and task != options.task:
            raise ValueError(f"task {task!r} and options.task {options.task!r} disagree")
        task = options.task
    if task is None:
        task = inferred
    elif task != inferred:
        raise ValueError(f"task {task!r} does not match the model: {type(model).__name__} exports as {inferred!r}")
    if tokenizer is None:
        raise ValueError("a tokenizer is required (its vocabulary names tokens and special ids in the outputs)")
    if version is not None and os.path.exists(os.path.join(os.fspath(export_dir), str(version))):
        # Fail before the slow tracing; versioned_export_dir checks again right before publishing.
        raise FileExistsError(f"{os.path.join(os.fspath(export_dir), str(version))} already exists; versions are "
                              "immutable: pick another version")
    if options is None:
        options = ExportOptions.from_values(task, **option_values)
    options = options.for_model(model.config)
    stages = ["tracing", "warmup check", "saving", "op check"][: 4 if check_ops else 3]
    with ProgressBar(len(stages), "export", unit="stages", enabled=progress_enabled(progress)) as bar:
        bar.update(0, stages[0])
        module = ServingModule(model, tokenizer, options)
        functions = module.concrete_functions()
        model_name = os.path.basename(os.path.normpath(os.fspath(export_dir)))
        logs = _warmup_logs(model_name, module.specs, task, tokenizer, options)
        bar.update(1, stages[1])
        if verify_warmup:
            _replay(logs, functions)
        bar.update(1, stages[2])

        with versioned_export_dir(export_dir, version) as (tmp, version):
            tf.saved_model.save(module, tmp, signatures=functions)
            _set_method_names(tmp, module.specs)
            warmup.write_warmup_file(tmp, logs)
            _write_export_info(tmp, module, model)
            if check_ops:
                bar.update(1, stages[3])
                check_op_set(tmp)
        bar.update(1, "done")
    return os.path.join(os.path.abspath(os.fspath(export_dir)), str(version))


def _warmup_logs(model_name: str, specs: dict, task: str, tokenizer, options: ExportOptions) -> list:
    logs = []
    for rows in (1, 2):
        text_inputs = examples.sample_text_inputs(task, rows=rows, text_pair=options.text_pair)
        ids_inputs = examples.encode_text_inputs(task, tokenizer, text_inputs, options.max_length)
        for name, spec in specs.items():
            if spec.method_name == signatures.PREDICT_METHOD:
                is_ids = spec.input_names[0] == "input_ids"
                logs.append(warmup.predict_log(model_name, name, ids_inputs if is_ids else text_inputs))
            else:
                example_rows = [{k: str(v[i]) for k, v in text_inputs.items()} for i in range(rows)]
                logs.append(warmup.example_log(model_name, name, example_rows,
                                               regress=spec.method_name == signatures.REGRESS_METHOD))
    return logs


def _replay(logs: list, functions: dict) -> None:
    for log in logs:
        name, inputs = warmup.request_to_signature_call(log)
        functions[name](**inputs)


def _set_method_names(saved_model_dir: str, specs: dict) -> None:
    """``tf.saved_model.save`` marks every signature as predict; give classify/regress their TF Serving
    method names (checked when the server runs with --enable_signature_method_name_check)."""
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow.python.saved_model import fingerprinting_utils

    path = os.path.join(saved_model_dir, "saved_model.pb")
    proto = saved_model_pb2.SavedModel()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    changed = False
    for meta_graph in proto.meta_graphs:
        for name, spec in specs.items():
            if name in meta_graph.signature_def and meta_graph.signature_def[name].method_name != spec.method_name:
                meta_graph.signature_def[name].method_name = spec.method_name
                changed = True
    if changed:
        with open(path, "wb") as f:
            f.write(proto.SerializeToString())
        fingerprinting_utils.write_fingerprint(saved_model_dir)  # the checksum covers saved_model.pb


def _write_export_info(saved_model_dir: str, module: ServingModule, model) -> None:
    options = module.options
    info = {
        "task": options.task,
        "model_class": type(model).__name__,
        "options": {k: getattr(options, k) for k in options.__dataclass_fields__},
        "id2label": {str(k): v for k, v in model.config.id2label.items()},
        "signatures": {
            name: {"method_name": spec.method_name,
                   "inputs": {t.name: {"dtype": t.dtype, "shape": list(t.shape)} for t in spec.inputs},
                   "outputs": {t.name: {"dtype": t.dtype, "shape": list(t.shape)} for t in spec.outputs}}
            for name, spec in module.specs.items()
        },
    }
    path = os.path.join(saved_model_dir, warmup.WARMUP_DIR, EXPORT_INFO_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2, sort_keys=True)
