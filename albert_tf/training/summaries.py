"""TensorBoard scalars for both trainers: the event-file writer, scalar writes and reading them back.

The files are written with TensorFlow's core summary ops (TensorBoard itself, not a dependency of
TensorFlow 2.21, is only needed to view them). Fine-tuning on the JAX and torch backends runs without
TensorFlow: there `summary_writer` returns None when TensorFlow is not installed (one log line says so),
and `write_scalars` does nothing with None.

Example:
    >>> writer = summary_writer("/tmp/run/logs/train")               # doctest: +SKIP
    >>> write_scalars(writer, 100, {"loss": 2.5})                   # doctest: +SKIP
    >>> read_scalars("/tmp/run/logs/train")["loss"]                 # doctest: +SKIP
    [(100, 2.5)]
"""

from __future__ import annotations

import importlib.util
import logging
import os
from typing import Mapping

logger = logging.getLogger(__name__)

_warned_no_event_files = False


def _scalar_metadata() -> bytes:
    """TensorBoard's scalar-plugin metadata."""
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")).SerializeToString()


def summary_writer(log_dir: str):
    """A TensorBoard event-file writer for ``log_dir``, or None off the TensorFlow backend where TensorFlow
    is not installed. Off that backend TensorFlow is kept off the GPUs, which the training backend owns."""
    import keras

    global _warned_no_event_files
    if keras.backend.backend() != "tensorflow":
        if importlib.util.find_spec("tensorflow") is None:
            if not _warned_no_event_files:
                logger.warning("TensorBoard event files need TensorFlow, which is not installed: no %s; metrics.json "
                               "has the training loss and evaluation metrics", os.path.dirname(log_dir))
                _warned_no_event_files = True
            return None
        import tensorflow as tf

        try:
            # TensorFlow would otherwise claim most of the GPU memory that JAX or torch trains in.
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:
            pass  # TF's devices were set up earlier in this process (a previous run): that choice stands
        return tf.summary.create_file_writer(log_dir)
    import tensorflow as tf

    return tf.summary.create_file_writer(log_dir)


def write_scalars(writer, step: int, values: Mapping[str, float]) -> None:
    """Writes scalars TensorBoard shows, then flushes (no-op without a writer or values)."""
    if writer is None or not values:
        return
    import tensorflow as tf

    metadata = _scalar_metadata()
    with writer.as_default(step=step):
        for name, value in values.items():
            tf.summary.write(name, tf.constant(float(value), tf.float32), metadata=metadata)
    writer.flush()


def read_scalars(log_dir: str) -> dict[str, list[tuple[int, float]]]:
    """Scalars of the TensorBoard event files in ``log_dir``: name -> [(step, value), ...]."""
    import tensorflow as tf

    out: dict[str, list[tuple[int, float]]] = {}
    for path in sorted(tf.io.gfile.glob(os.path.join(log_dir, "events.out.tfevents.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                number = float(tf.make_ndarray(value.tensor)) if value.HasField("tensor") else value.simple_value
                out.setdefault(value.tag, []).append((int(event.step), number))
    return out
