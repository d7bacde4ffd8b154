"""TF Serving warmup records: ``assets.extra/tf_serving_warmup_requests``, a TFRecord file of serialized
``tensorflow.serving.PredictionLog`` protos that the server replays before marking a version AVAILABLE
(at most 1000 records; a failing record fails the load).

Example:
    >>> logs = build_warmup_logs("sst2", specs, {"serving_default": {"text": texts}})  # doctest: +SKIP
    >>> write_warmup_file(export_dir, logs)                                           # doctest: +SKIP
"""

from __future__ import annotations

import os

import numpy as np

WARMUP_DIR = "assets.extra"
WARMUP_FILE = "tf_serving_warmup_requests"
MAX_WARMUP_RECORDS = 1000  # TF Serving's limit


def require_serving_api() -> None:
    """The warmup records are tensorflow-serving-api protos, an extra: say so in one line, before any
    slow tracing, when it is not installed."""
    import importlib.util

    if importlib.util.find_spec("tensorflow_serving") is None:
        raise ImportError("export writes TF Serving warmup records, which needs tensorflow-serving-api: "
                          "pip install 'albert-tf[serving]'")


def warmup_path(saved_model_dir: str) -> str:
    return os.path.join(saved_model_dir, WARMUP_DIR, WARMUP_FILE)


def _tensor_proto(value):
    import tensorflow as tf

    array = np.asarray(value)
    if array.dtype == object or array.dtype.kind in "US":
        array = np.vectorize(lambda s: s.encode("utf-8") if isinstance(s, str) else s, otypes=[object])(array)
        return tf.make_tensor_proto(array, dtype=tf.string)
    return tf.make_tensor_proto(array)


def _example(features: dict[str, str]) -> "tf.train.Example":
    import tensorflow as tf

    return tf.train.Example(features=tf.train.Features(feature={
        name: tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode("utf-8")]))
        for name, value in features.items()
    }))


def predict_log(model_name: str, signature_name: str, inputs: dict):
    """A PredictionLog holding a PredictRequest with ``inputs`` (name -> array-like)."""
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))


def example_log(model_name: str, signature_name: str, rows: list[dict[str, str]], regress: bool = False):
    """A PredictionLog holding a ClassificationRequest (or RegressionRequest) over tf.Example ``rows``."""
    from tensorflow_serving.apis import classification_pb2, prediction_log_pb2, regression_pb2

    request = (regression_pb2.RegressionRequest() if regress else classification_pb2.ClassificationRequest())
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    for row in rows:
        request.input.example_list.examples.append(_example(row))
    if regress:
        return prediction_log_pb2.PredictionLog(regress_log=prediction_log_pb2.RegressLog(request=request))
    return prediction_log_pb2.PredictionLog(classify_log=prediction_log_pb2.ClassifyLog(request=request))


def write_warmup_file(saved_model_dir: str, logs: list) -> str:
    """Writes ``logs`` as ``assets.extra/tf_serving_warmup_requests``; returns the path."""
    import tensorflow as tf

    if not 0 < len(logs) <= MAX_WARMUP_RECORDS:
        raise ValueError(f"TF Serving accepts 1 to {MAX_WARMUP_RECORDS} warmup records, got {len(logs)}")
    path = warmup_path(saved_model_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for log in logs:
            writer.write(log.SerializeToString())
    return path


def read_warmup_file(saved_model_dir: str) -> list:
    """The PredictionLog records of an export's warmup file."""
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    logs = []
    for record in tf.data.TFRecordDataset(warmup_path(saved_model_dir)):
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record.numpy())
        logs.append(log)
    return logs


def request_to_signature_call(log) -> tuple[str, dict]:
    """(signature name, keyword tensors) that replaying ``log`` feeds to the signature, as TF Serving does:
    Predict inputs as given; Classify/Regress examples serialized into the ``inputs`` string tensor."""
    import tensorflow as tf

    kind = log.WhichOneof("log_type")
    if kind == "predict_log":
        request = log.predict_log.request
        return (request.model_spec.signature_name or "serving_default",
                {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
    if kind in ("classify_log", "regress_log"):
        request = getattr(log, kind).request
        examples = [e.SerializeToString() for e in request.input.example_list.examples]
        return request.model_spec.signature_name, {"inputs": tf.constant(examples)}
    raise ValueError(f"unsupported warmup record kind {kind!r}")
