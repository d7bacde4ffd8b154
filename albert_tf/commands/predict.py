"""`albert-tf predict`: send texts to a running model server (stock TF Serving or `albert-tf serve`).

Prints one JSON line per text with the signature's outputs (strings decoded as UTF-8). With
--method=classify or regress and no --signature_name, it runs the model's signature whose method_name is
tensorflow/serving/classify (regress), as `albert-tf export` writes them (a raw request without
signature_name runs serving_default, on either server). Connection mistakes (no server, the other
protocol's port, a timeout) end with a one-line `albert-tf predict: <reason>` and exit status 1.

Example:
    $ albert-tf predict --server=localhost:8500 --model_name=sentiment "a gripping, funny film"
    {"text": "a gripping, funny film", "outputs": {"label": "fresh", "probabilities": [0.08, 0.92]}}
    $ albert-tf predict --server=localhost:8501 --protocol=rest --model_name=sentiment --method=classify "dull"
    {"text": "dull", "classes": [["rotten", 0.83], ["fresh", 0.17]]}
    $ albert-tf predict --server=localhost:8500 --model_name=sentiment --signature_name=predict_ids \\
        --inputs_json='{"input_ids": [[2, 48, 3]], "attention_mask": [[1, 1, 1]], "token_type_ids": [[0, 0, 0]]}'
"""

import json
import sys

from absl import flags

flags.DEFINE_string("server", "localhost:8500", "host:port of the server (the gRPC or the REST port).")
flags.DEFINE_string("model_name", None, "Name of the model to query.", allow_override=True)
flags.DEFINE_enum("protocol", "grpc", ["grpc", "rest"], "Protocol to use.")
flags.DEFINE_enum("method", "predict", ["predict", "classify", "regress"], "API to call.")
flags.DEFINE_string("signature_name", "", "Signature to run (default: serving_default for predict; for classify/"
                    "regress the model's signature with that method_name).")
flags.DEFINE_string("inputs_json", "", 'Named inputs as a JSON object instead of texts, e.g. {"x": [1.0]}.')
flags.DEFINE_string("text_feature", "text", "tf.Example feature that carries each text (classify/regress).")
flags.DEFINE_integer("version", None, "Model version to query (default: the latest).")
flags.DEFINE_string("version_label", None, "Version label to query.")
flags.DEFINE_float("timeout", 10.0, "Deadline of the call in seconds.")

FLAGS = flags.FLAGS


def _plain(value):
    """numpy values as JSON values (bytes decoded as UTF-8, one row per text)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _inputs_json(text: str) -> dict:
    try:
        inputs = json.loads(text)
    except ValueError as e:
        raise ValueError(f"--inputs_json is not JSON: {e}") from None
    if not isinstance(inputs, dict):
        raise ValueError('--inputs_json must be a JSON object {"input name": values}')
    return inputs


def main(argv):
    texts = argv[1:]
    if not FLAGS.model_name:
        print("albert-tf predict: --model_name is required", file=sys.stderr)
        return 2
    if not texts and not FLAGS.inputs_json:
        print('albert-tf predict: give texts ("some text" ...) or --inputs_json', file=sys.stderr)
        return 2
    from albert_tf.serving.client import Client, ServerError

    client = None
    try:
        client = Client(FLAGS.server, FLAGS.model_name, FLAGS.protocol, timeout=FLAGS.timeout,
                        version=FLAGS.version, version_label=FLAGS.version_label)
        if FLAGS.method == "predict":
            inputs = _inputs_json(FLAGS.inputs_json) if FLAGS.inputs_json else texts
            outputs = client.predict(inputs, signature_name=FLAGS.signature_name)
            if FLAGS.inputs_json:
                print(json.dumps({"outputs": {k: _plain(v) for k, v in outputs.items()}}))
            for i, text in enumerate(texts if not FLAGS.inputs_json else []):
                print(json.dumps({"text": text, "outputs": {k: _plain(v[i]) for k, v in outputs.items()}},
                                 ensure_ascii=False))
        elif FLAGS.method == "classify":
            rows = client.classify(texts, signature_name=FLAGS.signature_name, text_feature=FLAGS.text_feature)
            for text, row in zip(texts, rows):
                print(json.dumps({"text": text, "classes": [[label, score] for label, score in row]},
                                 ensure_ascii=False))
        else:
            values = client.regress(texts, signature_name=FLAGS.signature_name, text_feature=FLAGS.text_feature)
            for text, value in zip(texts, values):
                print(json.dumps({"text": text, "value": value}, ensure_ascii=False))
    except ServerError as e:
        print(f"albert-tf predict: {e}", file=sys.stderr)
        return 1
    except ValueError as e:  # bad --inputs_json, a bad --server address, inputs that fit no signature
        print(f"albert-tf predict: {e}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            client.close()
    return 0
