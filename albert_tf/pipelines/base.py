"""The machinery every task pipeline shares: parameters, device placement, batching, the model call.

A task pipeline turns each input into one or more *features* (token id lists plus whatever its
postprocessing needs), and the base class runs all features of a call through the model in padded
batches of ``batch_size`` (longest first, so little padding is wasted), on the active Keras backend
(:mod:`albert_tf.pipelines.runtime`: a ``tf.function`` on TensorFlow, ``jax.jit`` on JAX, eager torch).
Outputs are then handed back per input to the task's postprocessing, which follows HF 4.x's pipeline
code so results are the same as with ``transformers.pipeline``.

HF's TensorFlow pipelines ran inputs one at a time; batching only changes the padding a row sees,
which the attention mask hides, so scores agree to float32 rounding.
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Iterable, Iterator

import numpy as np

from albert_tf.tasks.base import softmax  # noqa: F401  (HF's pipeline softmax; pipelines import it from here)
from albert_tf.pipelines.runtime import MODEL_INPUTS, backend_device, make_forward

DEFAULT_BATCH_SIZE = 8
# Inputs are preprocessed and sorted by length this many batches at a time.
_BATCHES_PER_CHUNK = 16


class PipelineException(ValueError):
    """A pipeline cannot handle an input (HF's ``PipelineException``), e.g. no ``[MASK]`` for fill-mask."""

    def __init__(self, task: str, model: str, reason: str):
        super().__init__(reason)
        self.task = task
        self.model = model


def _model_name(model) -> str:
    return type(model).__name__


class Pipeline:
    """Base class: ``pipe(inputs, **params)`` with HF's semantics for the task.

    Args:
        model: an ``albert_tf`` model instance of the task's class.
        tokenizer: an :class:`~albert_tf.tokenization.AlbertTokenizer` (or one with its API).
        task: the task name reported in errors.
        device: see :func:`~albert_tf.pipelines.runtime.parse_device`.
        batch_size: features per model call (default 8).
        **kwargs: default call parameters of the task (e.g. ``top_k``), as in HF.
    """

    task = ""
    # Model class names this pipeline's postprocessing can read outputs from.
    supported_models: tuple[str, ...] = ()

    def __init__(self, model, tokenizer, *, task: str | None = None, device=None, batch_size: int | None = None,
                 **kwargs):
        if tokenizer is None:
            raise ValueError(f"{self.task} pipeline needs a tokenizer")
        self.model = model
        self.tokenizer = tokenizer
        if task:
            self.task = task
        if self.supported_models and _model_name(model) not in self.supported_models:
            raise ValueError(
                f"The {self.task} pipeline needs one of {', '.join(self.supported_models)}; got "
                f"{_model_name(model)}. Load the model with the task's class, or let pipeline() load it from a "
                "directory."
            )
        self.device = device
        self.batch_size = _positive_int(DEFAULT_BATCH_SIZE if batch_size is None else batch_size, "batch_size")
        config = getattr(model, "config", None)
        limits = [int(getattr(tokenizer, "model_max_length", 0) or 0),
                  int(getattr(config, "max_position_embeddings", 0) or 0)]
        limits = [n for n in limits if n > 0]
        # The tokenizer's model_max_length may be unset (huge) or larger than the position table; inputs
        # longer than the position table cannot run, so that is the real limit.
        self.max_length = min(limits) if limits else None
        self._preprocess_params, self._postprocess_params = self._sanitize_parameters(**kwargs)
        # An unknown or absent device fails here, when the pipeline is made.
        self._forward_fn = make_forward(model, backend_device(device), self._select_outputs, self.max_length)

    # ------------------------------------------------------------------ task hooks
    def _sanitize_parameters(self, **kwargs) -> tuple[dict, dict]:
        """Splits call parameters into (preprocess, postprocess) dicts; unknown names are an error."""
        if kwargs:
            raise TypeError(f"{self.task} pipeline got unknown parameter(s): {sorted(kwargs)}")
        return {}, {}

    def preprocess(self, item, **params) -> list[dict]:
        """One input -> its features (dicts with ``input_ids``, ``token_type_ids``, extra metadata)."""
        raise NotImplementedError

    def postprocess(self, item, features: list[dict], outputs: list[dict], **params):
        """One input, its features and their model outputs (numpy, unpadded) -> the result."""
        raise NotImplementedError

    def _select_outputs(self, output, input_ids):
        """The model output -> a dict of the backend's tensors with a batch axis (on TensorFlow inside the
        compiled graph, ``input_ids`` a graph tensor; on JAX and torch ``input_ids`` is the numpy batch)."""
        raise NotImplementedError

    # Output names that are per token ([batch, seq, ...]) and get cut to each row's length.
    _token_level_outputs: tuple[str, ...] = ()

    def _split_outputs(self, outputs: dict[str, np.ndarray], lengths: list[int]) -> list[dict]:
        rows = []
        for row, length in enumerate(lengths):
            rows.append({name: (value[row, :length] if name in self._token_level_outputs else value[row])
                         for name, value in outputs.items()})
        return rows

    # ------------------------------------------------------------------ calling
    def __call__(self, inputs, *, batch_size: int | None = None, num_workers=None, **kwargs):
        del num_workers  # HF's PyTorch data-loader workers; preprocessing here runs in this thread
        preprocess_params, postprocess_params = self._call_params(kwargs)
        if isinstance(inputs, list):
            return self.run_many(inputs, preprocess_params, postprocess_params, batch_size)
        if isinstance(inputs, (types.GeneratorType, Iterator)):
            return self._iterate(inputs, preprocess_params, postprocess_params, batch_size)
        return self.run_many([inputs], preprocess_params, postprocess_params, batch_size)[0]

    def _call_params(self, kwargs: dict) -> tuple[dict, dict]:
        preprocess_params, postprocess_params = self._sanitize_parameters(**kwargs)
        return ({**self._preprocess_params, **preprocess_params},
                {**self._postprocess_params, **postprocess_params})

    def _iterate(self, inputs: Iterable, preprocess_params, postprocess_params, batch_size) -> Iterator:
        size = _positive_int(batch_size or self.batch_size, "batch_size")
        iterator = iter(inputs)
        while True:
            chunk = list(itertools.islice(iterator, size))
            if not chunk:
                return
            yield from self.run_many(chunk, preprocess_params, postprocess_params, size)

    def run_many(self, items: list, preprocess_params: dict, postprocess_params: dict,
                 batch_size: int | None = None) -> list:
        """Preprocess, batch, run and postprocess ``items``; one result per item, in order."""
        size = _positive_int(batch_size or self.batch_size, "batch_size")
        results = []
        chunk_size = size * _BATCHES_PER_CHUNK
        for begin in range(0, len(items), chunk_size):
            chunk = items[begin:begin + chunk_size]
            features = [self.preprocess(item, **preprocess_params) for item in chunk]
            flat = [f for item_features in features for f in item_features]
            outputs = self._run_features(flat, size)
            cursor = 0
            for item, item_features in zip(chunk, features):
                item_outputs = outputs[cursor:cursor + len(item_features)]
                cursor += len(item_features)
                results.append(self.postprocess(item, item_features, item_outputs, **postprocess_params))
        return results

    def _run_features(self, features: list[dict], batch_size: int) -> list[dict]:
        lengths = [len(f["input_ids"]) for f in features]
        order = sorted(range(len(features)), key=lambda i: -lengths[i])
        outputs: list[dict | None] = [None] * len(features)
        for begin in range(0, len(order), batch_size):
            rows = order[begin:begin + batch_size]
            batch = self._pad([features[i] for i in rows])
            batch_outputs = self._forward(batch)
            for i, row_output in zip(rows, self._split_outputs(batch_outputs, [lengths[i] for i in rows])):
                outputs[i] = row_output
        return outputs

    def _pad(self, features: list[dict]) -> dict[str, np.ndarray]:
        width = max(len(f["input_ids"]) for f in features)
        pad_id = self.tokenizer.pad_token_id
        batch = {name: np.zeros((len(features), width), np.int32) for name in MODEL_INPUTS}
        batch["input_ids"][:] = pad_id
        for row, f in enumerate(features):
            n = len(f["input_ids"])
            batch["input_ids"][row, :n] = f["input_ids"]
            batch["token_type_ids"][row, :n] = f.get("token_type_ids") or [0] * n
            mask = f.get("attention_mask") or [1] * n
            batch["attention_mask"][row, :n] = mask
        return batch

    def _forward(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self._forward_fn(batch)

    # ------------------------------------------------------------------ helpers for tasks
    def _tokenize(self, text, text_pair=None, **kwargs) -> dict:
        """The tokenizer's encoding of one input as Python lists (HF tokenizer keyword arguments)."""
        kwargs.pop("return_tensors", None)
        if kwargs.get("truncation") not in (None, False, "do_not_truncate") and kwargs.get("max_length") is None:
            kwargs["max_length"] = self.max_length
        return dict(self.tokenizer(text, text_pair, **kwargs))

    def _check_length(self, input_ids: list, hint: str) -> None:
        if self.max_length is not None and len(input_ids) > self.max_length:
            raise ValueError(
                f"{self.task}: the input is {len(input_ids)} tokens long, but the model takes at most "
                f"{self.max_length} (max_position_embeddings={self.model.config.max_position_embeddings}, "
                f"tokenizer model_max_length={self.tokenizer.model_max_length}); {hint}"
            )

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(task={self.task!r}, model={_model_name(self.model)}, "
                f"batch_size={self.batch_size}, device={self.device!r})")


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
