"""Runs exported signatures the way tensorflow_model_server does, in a process that imports only tensorflow
and tensorflow_text: the session-based SavedModel loader (restore + init op), then one Session.run per request
feeding and fetching the SignatureDef's tensor names.

Usage: python fresh_process_runner.py JOBS.json
Each job: {"dir", "signature", "outputs": npz path, and "inputs": npz path or "examples": {feature: [str]}}.
String outputs are saved as UTF-8 bytes arrays (no pickle). Prints a JSON summary line.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402,F401  (registers the tokenizer ops, as TF Serving links them)


def _examples(features: dict) -> np.ndarray:
    rows = len(next(iter(features.values())))
    serialized = []
    for i in range(rows):
        feature = {name: tf.train.Feature(bytes_list=tf.train.BytesList(value=[values[i].encode("utf-8")]))
                   for name, values in features.items()}
        serialized.append(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return np.array(serialized, dtype=object)


class SessionServable:
    """One SavedModel loaded like TF Serving's LoadSavedModel: its own graph and session, tag "serve"."""

    def __init__(self, export_dir: str):
        self.graph = tf.Graph()
        self.session = tf.compat.v1.Session(graph=self.graph)
        with self.graph.as_default():
            meta_graph = tf.compat.v1.saved_model.loader.load(self.session, ["serve"], export_dir)
        self.signatures = meta_graph.signature_def

    def run(self, signature_name: str, inputs: dict) -> dict:
        signature = self.signatures[signature_name]
        if sorted(inputs) != sorted(signature.inputs):
            raise ValueError(f"inputs {sorted(inputs)} != signature inputs {sorted(signature.inputs)}")
        feed = {signature.inputs[k].name: v for k, v in inputs.items()}
        fetch = {k: v.name for k, v in signature.outputs.items()}
        return self.session.run(fetch, feed_dict=feed)


def main(jobs_path: str) -> None:
    with open(jobs_path, encoding="utf-8") as f:
        jobs = json.load(f)
    loaded = {}
    for job in jobs:
        if job["dir"] not in loaded:
            loaded[job["dir"]] = SessionServable(job["dir"])
        if "examples" in job:
            feed = {"inputs": _examples(job["examples"])}
        else:
            with np.load(job["inputs"], allow_pickle=False) as data:
                feed = {k: np.char.encode(data[k], "utf-8") if data[k].dtype.kind == "U" else data[k]
                        for k in data.files}
        outputs = loaded[job["dir"]].run(job["signature"], feed)
        arrays = {}
        for name, value in outputs.items():
            arrays[name] = value.astype(bytes) if value.dtype == object else value
        np.savez(job["outputs"], **arrays)
    print(json.dumps({
        "jobs": len(jobs),
        "albert_tf_imported": any(m == "albert_tf" or m.startswith("albert_tf.") for m in sys.modules),
        "keras_hub_imported": "keras_hub" in sys.modules,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
