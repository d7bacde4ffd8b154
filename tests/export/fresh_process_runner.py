"""Runs exported signatures in a process that imports only tensorflow and tensorflow_text (as a server would).

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


def _examples(features: dict) -> tf.Tensor:
    rows = len(next(iter(features.values())))
    serialized = []
    for i in range(rows):
        feature = {name: tf.train.Feature(bytes_list=tf.train.BytesList(value=[values[i].encode("utf-8")]))
                   for name, values in features.items()}
        serialized.append(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return tf.constant(serialized)


def main(jobs_path: str) -> None:
    with open(jobs_path, encoding="utf-8") as f:
        jobs = json.load(f)
    loaded = {}
    for job in jobs:
        if job["dir"] not in loaded:
            loaded[job["dir"]] = tf.saved_model.load(job["dir"])
        function = loaded[job["dir"]].signatures[job["signature"]]
        if "examples" in job:
            feed = {"inputs": _examples(job["examples"])}
        else:
            with np.load(job["inputs"], allow_pickle=False) as data:
                feed = {k: tf.constant(data[k]) for k in data.files}
        outputs = function(**feed)
        arrays = {}
        for name, value in outputs.items():
            value = value.numpy()
            arrays[name] = value.astype(bytes) if value.dtype == object else value
        np.savez(job["outputs"], **arrays)
    print(json.dumps({
        "jobs": len(jobs),
        "albert_tf_imported": any(m == "albert_tf" or m.startswith("albert_tf.") for m in sys.modules),
        "keras_hub_imported": "keras_hub" in sys.modules,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
