"""Small SavedModels for the serving tests, built with plain TensorFlow (no albert_tf code).

``half_plus_two`` mirrors TF Serving's own test model: y = a * x + b with a=0.5, b=2 (version 1) or b=3
(version 2), plus classify/regress signatures over serialized tf.Examples, a text signature that uses a
tensorflow-text op, a two-input signature, a variable-length int signature and one that fails in a kernel.
Expected values in the tests come from these formulas, not from the server.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_serving.apis import classification_pb2, predict_pb2, prediction_log_pb2

A = 0.5
CLASSES = (b"negative", b"positive")


def _y(a, b, x):
    return a * x + b


class HalfPlusTwo(tf.Module):
    """Signatures of the test model; ``b`` distinguishes versions."""

    def __init__(self, b: float):
        super().__init__()
        self.a = tf.Variable(A, name="a")
        self.b = tf.Variable(b, name="b")
        self.tokenizer = tf_text.WhitespaceTokenizer()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def predict(self, x):
        return {"y": self.a * x + self.b}

    def _parse_x(self, inputs):
        features = tf.io.parse_example(inputs, {"x": tf.io.FixedLenFeature([1], tf.float32)})
        return self.a * features["x"] + self.b  # [B, 1]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def classify(self, inputs):
        y = self._parse_x(inputs)
        scores = tf.concat([-y, y], axis=1)
        classes = tf.tile(tf.constant([list(CLASSES)]), [tf.shape(inputs)[0], 1])
        return {"classes": classes, "scores": scores}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def scores_only(self, inputs):
        y = self._parse_x(inputs)
        return {"scores": tf.concat([-y, y], axis=1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def regress(self, inputs):
        return {"outputs": tf.squeeze(self._parse_x(inputs), axis=1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def text(self, text):
        words = self.tokenizer.tokenize(text)
        return {
            "num_words": words.row_lengths(),
            "length": tf.strings.length(text),
            "upper_bytes": tf.strings.upper(text),
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x"),
                                  tf.TensorSpec([None], tf.float32, name="y")])
    def two_inputs(self, x, y):
        return {"sum": x + y, "scaled": self.a * x}

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32, name="ids")])
    def sequence(self, ids):
        return {"doubled": ids * 2, "total": tf.reduce_sum(ids, axis=1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def pairs(self, x):
        return {"pairs": tf.reshape(x, [-1, 2])}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32, name="steps")])
    def busy(self, steps):
        """Deliberately slow: steps[0] small matmuls in sequence (for requests that stay in flight)."""
        weights = tf.eye(64) * self.a

        def body(i, acc):
            return i + 1, tf.tanh(tf.matmul(acc, weights) + 0.1)

        _, acc = tf.while_loop(lambda i, _: i < steps[0], body, [tf.constant(0), tf.ones([64, 64])])
        return {"done": tf.fill(tf.shape(steps), tf.reduce_sum(acc))}


def expected_y(x, version: int = 1):
    return _y(A, 2.0 if version == 1 else 3.0, np.asarray(x, np.float32)).astype(np.float32)


def example(x: float) -> tf.train.Example:
    return tf.train.Example(features=tf.train.Features(
        feature={"x": tf.train.Feature(float_list=tf.train.FloatList(value=[x]))}))


def failing_warmup_logs() -> list[prediction_log_pb2.PredictionLog]:
    """A warmup record the model rejects (a string for its float input): the version must fail to load."""
    predict = predict_pb2.PredictRequest()
    predict.inputs["x"].CopyFrom(tf.make_tensor_proto([b"not a float"]))
    return [prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=predict))]


def warmup_logs(xs=(1.0, 2.0)) -> list[prediction_log_pb2.PredictionLog]:
    """Warmup records as TF Serving expects them: a predict_log and a classify_log."""
    predict = predict_pb2.PredictRequest()
    predict.model_spec.name = "half_plus_two"
    predict.inputs["x"].CopyFrom(tf.make_tensor_proto(np.array(xs, np.float32)))
    classify = classification_pb2.ClassificationRequest()
    classify.model_spec.signature_name = "classify"
    for x in xs:
        classify.input.example_list.examples.add().CopyFrom(example(x))
    return [
        prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=predict)),
        prediction_log_pb2.PredictionLog(classify_log=prediction_log_pb2.ClassifyLog(request=classify)),
    ]


def write_warmup(version_dir: str, logs) -> None:
    extra = os.path.join(version_dir, "assets.extra")
    os.makedirs(extra, exist_ok=True)
    with tf.io.TFRecordWriter(os.path.join(extra, "tf_serving_warmup_requests")) as writer:
        for log in logs:
            writer.write(log.SerializeToString())


def export_half_plus_two(base_path: str, version: int, warmup=None) -> str:
    """Write version ``version`` into base_path atomically (temp dir, then rename), as an exporter should."""
    module = HalfPlusTwo(b=2.0 if version == 1 else 3.0)
    signatures = {
        "serving_default": module.predict,
        "classify": module.classify,
        "scores_only": module.scores_only,
        "regress": module.regress,
        "text": module.text,
        "two_inputs": module.two_inputs,
        "sequence": module.sequence,
        "pairs": module.pairs,
        "busy": module.busy,
    }
    os.makedirs(base_path, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=base_path)
    tf.saved_model.save(module, staging, signatures=signatures)
    write_warmup(staging, warmup_logs() if warmup is None else warmup)
    final = os.path.join(base_path, str(version))
    os.rename(staging, final)
    return final


def export_tf1_estimator_style(base_path: str, version: int) -> str:
    """A TF1-style export (like an Estimator's): classify, regress and predict signatures sharing one
    serialized-Example placeholder, so MultiInference can run several of them in one Session::Run."""
    compat = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        serialized = compat.placeholder(tf.string, [None], name="input_example_tensor")
        x_feed = compat.placeholder(tf.float32, [None], name="x")
        a = compat.get_variable("a", initializer=A)
        b = compat.get_variable("b", initializer=2.0)
        parsed = tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([1], tf.float32)})
        y = a * parsed["x"] + b
        scores = tf.concat([-y, y], axis=1)
        classes = tf.tile(tf.constant([list(CLASSES)]), [tf.shape(serialized)[0], 1])
        utils = compat.saved_model.signature_def_utils
        signatures = {
            "classify": utils.classification_signature_def(serialized, classes, scores),
            "regress": utils.regression_signature_def(serialized, tf.squeeze(y, axis=1)),
            "serving_default": utils.predict_signature_def({"x": x_feed}, {"y": a * x_feed + b}),
        }
        staging = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=base_path)
        shutil.rmtree(staging)
        with compat.Session(graph=graph) as session:
            session.run(compat.global_variables_initializer())
            builder = compat.saved_model.Builder(staging)
            builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map=signatures)
            builder.save()
    final = os.path.join(base_path, str(version))
    os.rename(staging, final)
    return final


def clone_version(base_path: str, source_version: int, version: int, warmup=None) -> str:
    """Copy an exported version under a new number (fast; used for versions that differ only in warmup)."""
    staging = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=base_path)
    shutil.rmtree(staging)
    shutil.copytree(os.path.join(base_path, str(source_version)), staging)
    if warmup is not None:
        write_warmup(staging, warmup)
    final = os.path.join(base_path, str(version))
    os.rename(staging, final)
    return final
