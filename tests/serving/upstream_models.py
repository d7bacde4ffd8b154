"""Our generator of the test models and files TF Serving's own model-server tests use.

TF Serving's ``tensorflow_model_server_test.py`` reads SavedModels checked into its repository
(``servables/tensorflow/testdata``). Those binaries are not copied here: this script rebuilds models of the
same kind, following the recipe that upstream's ``saved_model_half_plus_two.py`` describes (y = a*x + b with
a=0.5, b=2; y2 = a*x + c and y3 = a*x2 + c with c=3; an asset file; regress/classify/predict signatures over
a serialized-tf.Example placeholder), plus the models upstream's tests build inline. Everything is written
under one root laid out as upstream's ``TEST_SRCDIR/tf_serving`` tree, so both our port
(tests/serving/test_upstream_model_server.py) and upstream's unchanged test file can use it.

Run in a fresh process (``python -m tests.serving.upstream_models ROOT``): the TF1 graphs and the virtual CPUs
the MirroredStrategy model needs must not share a process with other tests.

Example:
    $ python -m tests.serving.upstream_models /tmp/tfs_testdata
    $ ls /tmp/tfs_testdata/tensorflow_serving/servables/tensorflow/testdata
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

TESTDATA = os.path.join("tensorflow_serving", "servables", "tensorflow", "testdata")
VERSION_DIR = "00000123"  # upstream's exports are all version 123, zero padded
INLINE = "inline"  # models upstream's tests build inside the test body, built here ahead of time

HALF_PLUS_TWO = "saved_model_half_plus_two_cpu"
HALF_PLUS_TWO_TF2 = "saved_model_half_plus_two_tf2_cpu"
HALF_PLUS_THREE = "saved_model_half_plus_three"
TF_TEXT = "tf_text_regression"

# The text configs upstream's tests read; ${...} are substituted by the tests themselves.
CONFIG_FILES = {
    "good_model_config.txt": (
        "model_config_list: {\n"
        '  config: { name: "half_plus_two", base_path: "${TEST_HALF_PLUS_TWO_DIR}", model_platform: "tensorflow" },\n'
        '  config: { name: "half_plus_three", base_path: "${TEST_HALF_PLUS_THREE_DIR}", '
        'model_platform: "tensorflow" }\n}\n'),
    "bad_model_config.txt": "improperly formatted file\n",
    "batching_config.txt": (
        "max_batch_size { value: 128 }\nbatch_timeout_micros { value: 0 }\n"
        "max_enqueued_batches { value: 1000000 }\nnum_batch_threads { value: 8 }\n"),
    "monitoring_config.txt": 'prometheus_config: {\n  enable: true,\n  path: "/monitoring/prometheus/metrics"\n}\n',
}


def _write_asset(directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "foo.txt")
    with open(path, "w") as f:
        f.write("asset-file-contents")
    return path


def export_half_plus_two_tf1(export_dir: str, b: float = 2.0, c: float = 3.0) -> None:
    """The TF1 (compat.v1 SavedModelBuilder) export: one tf_example placeholder feeds every signature."""
    import tensorflow as tf

    v1 = tf.compat.v1
    utils = v1.saved_model.signature_def_utils
    info = v1.saved_model.utils.build_tensor_info
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        a_var, b_var, c_var = v1.Variable(0.5, name="a"), v1.Variable(b, name="b"), v1.Variable(c, name="c")
        # No static shape: upstream's checked-in export (and its metadata JSON) has an unknown-rank input.
        serialized = v1.placeholder(tf.string, name="tf_example")
        features = v1.parse_example(serialized, {
            "x": v1.FixedLenFeature([1], tf.float32),
            "x2": v1.FixedLenFeature([1], tf.float32, default_value=[0.0]),
        })
        # Batch of [1] features: restore the [-1, 1] shape the unknown-rank input hides from parse_example.
        x = tf.identity(tf.reshape(features["x"], [-1, 1]), name="x")
        y = tf.identity(a_var * x + b_var, name="y")
        y2 = tf.identity(a_var * x + c_var, name="y2")
        x2 = tf.identity(tf.reshape(features["x2"], [-1, 1]), name="x2")
        a2, c2 = v1.Variable(0.5, name="a2"), v1.Variable(c, name="c2")
        y3 = tf.identity(a2 * x2 + c2, name="y3")
        staging = tempfile.mkdtemp()
        asset = tf.constant(_write_asset(os.path.join(staging, "assets")))
        v1.add_to_collection(v1.GraphKeys.ASSET_FILEPATHS, asset)

        def regression(inputs, outputs):
            return utils.build_signature_def({"inputs": info(inputs)}, {"outputs": info(outputs)},
                                             "tensorflow/serving/regress")

        signatures = {
            "regress_x_to_y": regression(serialized, y),
            "regress_x_to_y2": regression(serialized, y2),
            "regress_x2_to_y3": regression(x2, y3),
            "classify_x_to_y": utils.build_signature_def({"inputs": info(serialized)}, {"scores": info(y)},
                                                         "tensorflow/serving/classify"),
            "serving_default": utils.build_signature_def({"x": info(x)}, {"y": info(y)},
                                                         "tensorflow/serving/predict"),
        }
        session.run(v1.global_variables_initializer())
        builder = v1.saved_model.Builder(export_dir)
        builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map=signatures,
                                             assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS))
        builder.save()
        shutil.rmtree(staging)


def export_half_plus_two_tf2(export_dir: str) -> None:
    """The native TF2 (tf.saved_model.save) export: each signature has its own input placeholder."""
    import tensorflow as tf

    staging = tempfile.mkdtemp()

    class HalfPlusTwo(tf.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = tf.Variable(0.5, name="a"), tf.Variable(2.0, name="b"), tf.Variable(3.0, name="c")
            self.asset = tf.saved_model.Asset(_write_asset(staging))

        def parse_x(self, serialized):
            return tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([1], tf.float32)})["x"]

        @tf.function(input_signature=[tf.TensorSpec([1], tf.float32)])
        def predict(self, x):
            return {"y": self.a * x + self.b}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
        def regress_xy(self, serialized):
            return {"outputs": self.a * self.parse_x(serialized) + self.b}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
        def regress_xy2(self, serialized):
            return {"outputs": self.a * self.parse_x(serialized) + self.c}

        @tf.function(input_signature=[tf.TensorSpec([1], tf.float32, name="inputs")])
        def regress_x2y3(self, x2):
            return {"outputs": self.a * x2 + self.c}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
        def classify_xy(self, serialized):
            return {"scores": self.a * self.parse_x(serialized) + self.b}

        @tf.function(input_signature=[tf.TensorSpec([1], tf.float32, name="inputs")])
        def classify_x2y3(self, x2):
            return {"scores": self.a * x2 + self.c}

    module = HalfPlusTwo()
    tf.saved_model.save(module, export_dir, signatures={
        "serving_default": module.predict, "regress_x_to_y": module.regress_xy,
        "regress_x_to_y2": module.regress_xy2, "regress_x2_to_y3": module.regress_x2y3,
        "classify_x_to_y": module.classify_xy, "classify_x2_to_y3": module.classify_x2y3,
    })
    shutil.rmtree(staging)


def export_tf_text_regression(export_dir: str) -> None:
    """A model that needs tensorflow-text kernels: y = x + (words in "tensorflow text") - 1."""
    import tensorflow as tf
    import tensorflow_text as tf_text

    class TextRegression(tf.Module):
        def __init__(self):
            super().__init__()
            self.tokenizer = tf_text.WhitespaceTokenizer()

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
        def serve(self, x):
            words = self.tokenizer.tokenize(tf.constant(["tensorflow text"]))
            return {"y": x + tf.cast(words.row_lengths()[0], tf.float32) - 1.0}

    module = TextRegression()
    tf.saved_model.save(module, export_dir, signatures={"serving_default": module.serve})


def export_inline_models(inline_dir: str) -> None:
    """The models upstream's test_tf_saved_model_save* and test_*keras* tests build in their bodies."""
    import tensorflow as tf

    root = tf.train.Checkpoint()
    root.v1, root.v2 = tf.Variable(3.0), tf.Variable(2.0)
    root.f = tf.function(lambda x: {"y": root.v1 * root.v2 * x})
    tf.saved_model.save(root, os.path.join(inline_dir, "tf_saved_model_save", VERSION_DIR),
                        root.f.get_concrete_function(tf.TensorSpec(None, tf.float32)))

    root = tf.train.Checkpoint()
    root.f = tf.function(lambda x: {"y": 1.0}, input_signature=[tf.TensorSpec(None, tf.float32)])
    root.g = tf.function(lambda x: {"y": 2.0}, input_signature=[tf.TensorSpec(None, tf.float32)])
    tf.saved_model.save(root, os.path.join(inline_dir, "tf_saved_model_save_multiple_signatures", VERSION_DIR),
                        signatures={"serving_default": root.f, "custom_signature_key": root.g})

    import tf_keras  # the tf.keras (Keras 2) that upstream's tests are written for

    model = tf_keras.models.Sequential([tf_keras.layers.Input(dtype="float32", shape=(1,), name="x"),
                                        tf_keras.layers.Lambda(lambda x: x, name="y")])
    tf.saved_model.save(model, os.path.join(inline_dir, "keras_sequential_saved_model_save", VERSION_DIR))

    strategy = tf.distribute.MirroredStrategy(devices=("/cpu:0", "/cpu:1"))
    with strategy.scope():
        model = tf_keras.models.Sequential([
            tf_keras.layers.Input(dtype="float32", shape=(1,), name="x"),
            tf_keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros"),
            tf_keras.layers.Lambda(lambda x: x, name="y")])
    tf.saved_model.save(model, os.path.join(inline_dir, "distrat_keras_sequential_saved_model_save", VERSION_DIR))


def write_testdata(root: str) -> str:
    """Write every model and config under ``root`` (upstream's ``TEST_SRCDIR/tf_serving``); returns testdata."""
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")  # two virtual CPUs for the MirroredStrategy model
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    testdata = os.path.join(root, TESTDATA)
    os.makedirs(testdata, exist_ok=True)
    export_half_plus_two_tf1(os.path.join(testdata, HALF_PLUS_TWO, VERSION_DIR))
    export_half_plus_two_tf1(os.path.join(testdata, HALF_PLUS_THREE, VERSION_DIR), b=3.0, c=4.0)
    export_half_plus_two_tf2(os.path.join(testdata, HALF_PLUS_TWO_TF2, VERSION_DIR))
    export_tf_text_regression(os.path.join(testdata, TF_TEXT, "01"))
    export_inline_models(os.path.join(root, INLINE))
    for name, text in CONFIG_FILES.items():
        with open(os.path.join(testdata, name), "w") as f:
            f.write(text)
    return testdata


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m tests.serving.upstream_models ROOT")
    print(write_testdata(sys.argv[1]))
