"""Where and how a pipeline runs its model, on each Keras backend.

* TensorFlow: one ``tf.function`` traced for every batch shape (the model runs as a graph, not op by op),
  placed with ``tf.device``.
* JAX: ``jax.jit`` of the model's stateless call. jit compiles once per input shape, so batches are padded
  to power-of-two widths and row counts (the attention mask hides the padding; results change only by
  float rounding) and the compiled function is shared by every pipeline on the same model. Measured on
  CPU, 8 rows of 8 widths: eager JAX also compiles each op per new shape (4.7 s per shape on the tests'
  2-layer model, 3.5 s on a 12-layer base model, against 1.7 s and 2.4 s for the jitted model) and, once
  warm, runs 30x (tiny) and 15% (base) slower than the jitted call.
* torch: an eager call under ``torch.no_grad()`` (there is no compile step to amortise).

Every runner takes a batch of int32 numpy arrays and returns the task's selected outputs as numpy arrays
(floats as float32, like HF's pipelines).
"""

from __future__ import annotations

import contextlib
import re
import weakref

import numpy as np

MODEL_INPUTS = ("input_ids", "token_type_ids", "attention_mask")
# The narrowest padded width on JAX: short inputs share one compiled shape.
_MIN_JAX_WIDTH = 16


def _backend() -> str:
    import keras

    return keras.backend.backend()


def parse_device(device) -> tuple[str, int] | None:
    """HF's ``device`` argument as ``("cpu", index)`` or ``("gpu", index)``; ``None``: default placement.

    Accepts ``-1``/``"cpu"`` (CPU), a GPU index ``0, 1, ...``, ``"cuda"``/``"cuda:N"``/``"gpu:N"``, a
    TensorFlow device string such as ``"/GPU:0"``, or a ``torch.device`` / JAX device.

    Example:
        >>> parse_device(-1), parse_device("cuda:1"), parse_device(None)
        (('cpu', 0), ('gpu', 1), None)
    """
    if device is None:
        return None
    if isinstance(device, bool):
        raise TypeError(f"device must be an int, a string or None, got {device!r}")
    if isinstance(device, (int, np.integer)):
        return ("cpu", 0) if device < 0 else ("gpu", int(device))
    if isinstance(device, str):
        lowered = device.strip().lower()
        if lowered == "cpu":
            return ("cpu", 0)
        match = re.fullmatch(r"/?(?:device:)?cpu:(\d+)", lowered)
        if match:
            return ("cpu", int(match.group(1)))
        match = re.fullmatch(r"(?:cuda|gpu)(?::(\d+))?", lowered) or re.fullmatch(r"/(?:device:)?gpu:(\d+)", lowered)
        if match is None:
            raise ValueError(
                f"device={device!r} is not understood; use -1 or 'cpu' for the CPU, a GPU index (0, 1, ...), "
                "'cuda:N' / 'gpu:N', or a TensorFlow device string such as '/GPU:0'"
            )
        return ("gpu", int(match.group(1) or 0))
    if hasattr(device, "type") and hasattr(device, "index"):  # torch.device
        kind, index = device.type, device.index or 0
    elif hasattr(device, "platform") and hasattr(device, "id"):  # jax.Device
        kind, index = device.platform, device.id
    else:
        kind = index = None
    if kind in ("cpu", "cuda", "gpu"):
        return ("cpu" if kind == "cpu" else "gpu", int(index))
    raise TypeError(f"device must be an int, a string or None, got {type(device).__name__}")


def _no_gpu(device, index: int, framework: str, count: int) -> ValueError:
    return ValueError(f"device={device!r} asks for GPU {index}, but {framework} sees {count} GPU(s); "
                      "use device=-1 for the CPU")


def tf_device_name(device) -> str | None:
    """HF's ``device`` argument as a TensorFlow device name (``None``: TensorFlow's default placement).

    A GPU that TensorFlow does not see is an error, not a silent fallback to the CPU.

    Example:
        >>> tf_device_name(-1), tf_device_name("cpu"), tf_device_name(None)
        ('/CPU:0', '/CPU:0', None)
    """
    request = parse_device(device)
    if request is None:
        return None
    kind, index = request
    if kind == "cpu":
        return f"/CPU:{index}"
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if index >= len(gpus):
        raise _no_gpu(device, index, "TensorFlow", len(gpus))
    return f"/GPU:{index}"


def backend_device(device):
    """``device`` as the active backend's device: a TensorFlow name, a ``jax.Device`` or a ``torch.device``
    (``None``: the backend's default placement). A device the backend does not see is a ``ValueError``."""
    backend = _backend()
    if backend == "tensorflow":
        return tf_device_name(device)
    request = parse_device(device)
    if request is None:
        return None
    kind, index = request
    if backend == "jax":
        import jax

        try:
            devices = jax.devices(kind)
        except RuntimeError:  # no such platform in this jaxlib
            devices = []
        if index >= len(devices):
            if kind == "gpu":
                raise _no_gpu(device, index, "JAX", len(devices))
            raise ValueError(f"device={device!r}: JAX sees {len(devices)} CPU device(s)")
        return devices[index]
    if backend == "torch":
        import torch

        if kind == "cpu":
            return torch.device("cpu")
        if index >= torch.cuda.device_count():
            raise _no_gpu(device, index, "torch", torch.cuda.device_count())
        return torch.device("cuda", index)
    raise ValueError(f"albert_tf pipelines do not run on the Keras backend {backend!r}")


def make_forward(model, device, select, max_width: int | None):
    """The batch runner for the active backend (nothing is traced or compiled before its first call; a
    device the model cannot run on is a ``ValueError`` here). ``device`` comes from :func:`backend_device`;
    ``select(output, input_ids)`` picks the task's outputs (``input_ids``: a graph tensor on TensorFlow,
    the padded numpy batch elsewhere); ``max_width`` caps JAX's padded width (the position table)."""
    backend = _backend()
    if backend == "tensorflow":
        return _tf_forward(model, device, select)
    if backend == "jax":
        return _jax_forward(model, device, select, max_width)
    return _torch_forward(model, device, select)


def _tf_forward(model, device_name, select):
    import tensorflow as tf

    spec = tf.TensorSpec([None, None], tf.int32)

    def forward(input_ids, token_type_ids, attention_mask):
        output = model(input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask,
                       training=False)
        return {k: tf.cast(v, tf.float32) if v.dtype.is_floating else v
                for k, v in select(output, input_ids).items()}

    # One trace for every batch shape.
    compiled = tf.function(forward, input_signature=[spec, spec, spec])

    def run(batch):
        args = [tf.constant(batch[name]) for name in MODEL_INPUTS]
        if device_name is None:
            result = compiled(*args)
        else:
            with tf.device(device_name):
                result = compiled(*args)
        return {k: v.numpy() for k, v in result.items()}

    return run


def _to_numpy(selected: dict) -> dict[str, np.ndarray]:
    import keras

    out = {}
    for key, value in selected.items():
        if not isinstance(value, np.ndarray):
            if keras.backend.standardize_dtype(value.dtype).startswith(("float", "bfloat")):
                value = keras.ops.cast(value, "float32")
            # torch directly: Keras' convert_to_numpy goes through a DeprecationWarning of numpy 2 per call.
            value = value.detach().cpu().numpy() if hasattr(value, "detach") else keras.ops.convert_to_numpy(value)
        out[key] = value
    return out


# model -> its jitted stateless call, shared by all pipelines on the model so shapes compile once.
_JAX_CALLS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _jax_call(model):
    import jax

    call = _JAX_CALLS.get(model)
    if call is None:
        model_ref = weakref.ref(model)  # the cache must not keep the model alive

        def stateless(trainable, non_trainable, input_ids, token_type_ids, attention_mask):
            output, _ = model_ref().stateless_call(trainable, non_trainable, input_ids=input_ids,
                                                   token_type_ids=token_type_ids, attention_mask=attention_mask,
                                                   training=False)
            return output

        call = _JAX_CALLS[model] = jax.jit(stateless)
    return call


def _bucket(n: int, cap: int | None, floor: int = 1) -> int:
    size = max(floor, 1 << (n - 1).bit_length())
    return max(n, min(size, cap)) if cap else size


def _jax_forward(model, device, select, max_width):
    import jax

    def run(batch):
        rows, width = batch["input_ids"].shape
        if not model.built:
            model(**{name: batch[name] for name in MODEL_INPUTS}, training=False)
        padded_rows, padded_width = _bucket(rows, None), _bucket(width, max_width, _MIN_JAX_WIDTH)
        # Padding positions have attention_mask 0, so their ids do not matter; padding rows are dropped.
        padded = {}
        for name in MODEL_INPUTS:
            values = np.zeros((padded_rows, padded_width), np.int32)
            values[:rows, :width] = batch[name]
            padded[name] = values
        # Weights are read on every call (the model may have been trained since); device_put is a no-op
        # for arrays already on `device`.
        state = ([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables])
        inputs = [padded[name] for name in MODEL_INPUTS]
        if device is not None:
            state, inputs = jax.device_put((state, inputs), device)
        output = _jax_call(model)(*state, *inputs)
        if padded_rows != rows:
            output = jax.tree_util.tree_map(lambda t: t[:rows], output)
        ids = padded["input_ids"][:rows]
        return _to_numpy(select(output, ids))

    return run


def _torch_forward(model, device, select):
    import keras
    import torch

    if device is not None and model.weights:
        # Keras created the weights on its default device and has no API to move a model, so another
        # device is an error rather than a silent copy per call.
        where = model.weights[0].value.device
        if where.type != device.type or (device.index is not None and where.index != device.index):
            raise ValueError(f"device={device}: the model's weights are on {where}; on the torch backend "
                             f"create or load the model inside `with keras.device({str(device)!r}):`")

    def run(batch):
        placement = contextlib.nullcontext() if device is None else keras.device(str(device))
        with torch.no_grad(), placement:
            output = model(**{name: batch[name] for name in MODEL_INPUTS}, training=False)
            return _to_numpy(select(output, batch["input_ids"]))

    return run
