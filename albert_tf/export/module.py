"""``ServingModule``: a ``tf.Module`` holding a Keras ALBERT model and its in-graph tokenizer, with one
``tf.function`` per signature of :mod:`albert_tf.export.signatures`.

Every signature runs the model through :func:`~albert_tf.export.graph_ops.run_in_sorted_chunks`: rows are
sorted by length and run in a few sub-batches, each padded only to its own longest row. What a head computes
(its forward pass and post-processing) is its task module's :class:`~albert_tf.tasks.base.ServingGraph`;
this module is the same for every head. The text path (``serving_default``, ``classify``/``regress``)
tokenizes with :class:`AlbertPreprocessor` (tensorflow-text
ops); ``predict_ids`` and ``ids_only`` exports use core ops only.

Example:
    >>> module = ServingModule(model, tokenizer, ExportOptions(task="sequence_classification"))  # doctest: +SKIP
    >>> functions = module.concrete_functions()                                                   # doctest: +SKIP
    >>> sorted(functions)                                                                          # doctest: +SKIP
    ['classify', 'predict_ids', 'serving_default']
"""

from __future__ import annotations

import tensorflow as tf

from albert_tf.export import graph_ops, signatures
from albert_tf.export.options import ExportOptions
from albert_tf.export.signatures import CLASSIFY, PREDICT_IDS, REGRESS, SERVING_DEFAULT
from albert_tf.modeling.layers.transformer import packed_tokens
from albert_tf.tasks import get_task, task_for_model
from albert_tf.tasks.base import IDS_KEYS as _IDS_KEYS


class _FunctionCache:
    """Inner tf.functions of one export. A plain holder, so tf.Module does not track them as attributes of
    the saved object (they are reachable through the signatures' function library)."""

    def __init__(self):
        self.functions = {}


class ServingModule(tf.Module):
    """The exported object: model variables, tokenizer resources and the signature functions."""

    def __init__(self, model, tokenizer, options: ExportOptions):
        super().__init__(name="albert_serving")
        config = model.config
        options = options.for_model(config)
        options.validate(config)
        self.model = model
        self.options = options
        self._task = get_task(options.task)
        self._config = config
        self._specs = signatures.signature_specs(options.task, num_labels=config.num_labels,
                                                 text_pair=options.text_pair, ids_only=options.ids_only,
                                                 options=options)
        self._sizes = {"C": config.num_labels, "K": options.top_k, "H": config.hidden_size}
        if tokenizer.vocab_size != config.vocab_size:
            raise ValueError(f"tokenizer has {tokenizer.vocab_size} pieces but the model's vocab_size is "
                             f"{config.vocab_size}; export the tokenizer the model was trained with")
        # Lookup tables inside are plain constants (core ops, no asset files to ship).
        self._graph = self._task.serving_graph(model, tokenizer, options)
        self.preprocessor = None
        if not options.ids_only:
            from albert_tf.tokenization import AlbertPreprocessor

            self.preprocessor = AlbertPreprocessor.from_tokenizer(
                tokenizer,
                max_length=options.max_length,
                truncation=self._task.truncation,
                return_offsets=self._task.offsets,
                offset_unit="char",
                return_special_tokens_mask=self._task.special_tokens_mask,
                name="albert_preprocessor",
            )

    # ------------------------------------------------------------------ public
    @property
    def specs(self) -> dict[str, signatures.SignatureSpec]:
        return dict(self._specs)

    def concrete_functions(self) -> dict:
        """Signature name -> concrete function, ready for ``tf.saved_model.save(..., signatures=...)``.

        The model forward pass (and, for classifiers, the whole text path) is one inner function that
        several signatures call, so it is traced and stored once.
        """
        self._inner = _FunctionCache()
        bodies = {SERVING_DEFAULT: self._predict_ids if self.options.ids_only else self._predict_text,
                  PREDICT_IDS: self._predict_ids, CLASSIFY: self._classify, REGRESS: self._regress}
        functions = {}
        for name, spec in self._specs.items():
            if self.options.ids_only and name == SERVING_DEFAULT:
                continue  # the same function as predict_ids, added below
            functions[name] = self._concrete(spec, bodies[name])
        if self.options.ids_only:
            functions[SERVING_DEFAULT] = functions[PREDICT_IDS]
        # Track the tf.Variables the functions read, as keras.export.ExportArchive does. Keras 3 variables
        # reach the object graph only through their keras.Variable wrappers; without this list the
        # SavedModel loads with tf.saved_model.load but not through the session-based loader that
        # tensorflow_model_server and saved_model_cli use ("Could not find variable ...").
        used, seen = [], set()
        for function in functions.values():
            for variable in function.variables:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    used.append(variable)
        self.served_variables = used
        return functions

    # ------------------------------------------------------------------ signature plumbing
    def _input_specs(self, tensors) -> dict:
        return {t.name: tf.TensorSpec(t.tf_shape(self._sizes), tf.as_dtype(t.dtype), name=t.name) for t in tensors}

    def _concrete(self, spec: signatures.SignatureSpec, body):
        def signature_function(inputs):
            return self._finalize(spec, body(inputs))

        signature_function.__name__ = spec.name
        function = tf.function(signature_function, input_signature=[self._input_specs(spec.inputs)], autograph=False)
        return function.get_concrete_function()

    def _shared(self, key: str, python_function, input_signature: dict):
        """One tf.function per key for this export, so callers from several signatures share one trace."""
        if key not in self._inner.functions:
            self._inner.functions[key] = tf.function(python_function, input_signature=[input_signature],
                                                     autograph=False)
        return self._inner.functions[key]

    def _finalize(self, spec, outputs: dict) -> dict:
        """Checks the outputs against the table and pins their static dtypes and shapes."""
        if set(outputs) != set(spec.output_names):
            raise AssertionError(f"{spec.name}: built outputs {sorted(outputs)} != table {sorted(spec.output_names)}")
        result = {}
        for t in spec.outputs:
            value = outputs[t.name]
            if value.dtype != tf.as_dtype(t.dtype):
                raise AssertionError(f"{spec.name}/{t.name}: dtype {value.dtype.name} != table {t.dtype}")
            value = tf.identity(value, name=t.name)
            value.set_shape(t.tf_shape(self._sizes))
            result[t.name] = value
        return result

    # ------------------------------------------------------------------ bodies
    def _predict_text(self, inputs: dict) -> dict:
        def text_outputs(strings):
            if self._graph.windowed:  # windows over long inputs: the task module owns the text path
                return self._graph.text_outputs(self.preprocessor, self._checked_strings(strings), self._run_model)
            features, strings = self._encode_text(strings)
            features = self._graph.prepare(features)
            return self._graph.outputs(self._run_model(features), features, strings)

        return self._shared("text", text_outputs, self._input_specs(self._specs[SERVING_DEFAULT].inputs))(inputs)

    def _predict_ids(self, inputs: dict) -> dict:
        checks = graph_ops.ids_checks(inputs, self._config.vocab_size, self._config.type_vocab_size,
                                      self._config.max_position_embeddings)
        features = self._graph.prepare(graph_ops.with_checks(checks, {k: inputs[k] for k in _IDS_KEYS}))
        return self._graph.outputs(self._run_model(features), features, None)

    def _run_model(self, features: dict) -> dict:
        """The head's forward pass on token features, one traced function shared by every signature."""
        rank = 3 if self._task.rank3 else 2
        spec = {k: tf.TensorSpec([None] * rank, tf.int32) for k in _IDS_KEYS}
        if "mask_positions" in features:
            spec["mask_positions"] = tf.TensorSpec([None, None], tf.int32)
        return self._shared("forward", self._forward, spec)({k: features[k] for k in spec})

    def _examples_to_text(self, serialized: tf.Tensor) -> dict:
        spec = {signatures.EXAMPLE_TEXT_FEATURE: tf.io.FixedLenFeature([], tf.string)}
        if self.options.text_pair:
            spec[signatures.EXAMPLE_TEXT_PAIR_FEATURE] = tf.io.FixedLenFeature([], tf.string)
        serialized = graph_ops.with_checks(
            [lambda: graph_ops.assert_true(tf.size(serialized) > 0, "empty batch: input inputs has no examples")],
            serialized)
        parsed = tf.io.parse_example(serialized, spec)
        text = {"text": parsed[signatures.EXAMPLE_TEXT_FEATURE]}
        if self.options.text_pair:
            text["text_pair"] = parsed[signatures.EXAMPLE_TEXT_PAIR_FEATURE]
        return text

    def _classify(self, inputs: dict) -> dict:
        out = self._predict_text(self._examples_to_text(inputs["inputs"]))
        batch = tf.shape(out["probabilities"])[0]
        return {"classes": tf.tile(self._graph.labels[tf.newaxis, :], [batch, 1]), "scores": out["probabilities"]}

    def _regress(self, inputs: dict) -> dict:
        return {"outputs": self._predict_text(self._examples_to_text(inputs["inputs"]))["score"]}

    # ------------------------------------------------------------------ text -> features
    def _checked_strings(self, inputs: dict) -> dict:
        """The string inputs after the request-wide checks (rows present, equal counts, UTF-8)."""
        names = [t.name for t in self._specs[SERVING_DEFAULT].inputs]
        checks = [graph_ops.nonempty_check(name, inputs[name]) for name in names]
        checks += [graph_ops.same_rows_check(name, inputs[name], names[0], inputs[names[0]]) for name in names[1:]]
        if self._task.rank3:
            checks.append(lambda: graph_ops.assert_true(tf.shape(inputs["choices"])[1] > 0,
                                                        "input choices needs at least one choice per question"))
        checks += [graph_ops.utf8_check(name, inputs[name]) for name in names]
        return graph_ops.with_checks(checks, {name: inputs[name] for name in names})

    def _encode_text(self, inputs: dict) -> tuple[dict, dict]:
        names = [t.name for t in self._specs[SERVING_DEFAULT].inputs]
        strings = self._checked_strings(inputs)
        if len(names) == 1:
            encoded = self.preprocessor(strings[names[0]])
        else:
            encoded = self.preprocessor((strings[names[0]], strings[names[1]]))
        length = tf.shape(encoded["input_ids"])[-1]
        limit = self._config.max_position_embeddings
        # No per-row checks past this point: under TF Serving's batching, requests of several clients run
        # as one batch, and one client's empty string or [MASK]-less row must not fail the others'. An
        # empty string is encoded as HF does ([CLS] [SEP]); the checks left concern the request as a whole.
        checks = [lambda: graph_ops.assert_true(
            length <= limit,
            f"tokenized inputs need more than the {limit} positions of the model even after truncation to "
            f"max_length={self.options.max_length} (the first input is too long to truncate the second); "
            "length", length)]
        return graph_ops.with_checks(checks, dict(encoded)), strings

    # ------------------------------------------------------------------ the model, sub-batched
    def _forward(self, features: dict) -> dict:
        options = self.options

        def run(fn, token_inputs, row_inputs, outputs):
            lengths = graph_ops.sequence_lengths(token_inputs["attention_mask"])
            return graph_ops.run_in_sorted_chunks(fn, lengths, token_inputs, row_inputs, outputs,
                                                  options.num_chunks, options.pad_to_multiple_of)

        # Within each sub-batch the encoder's dense layers run on the real tokens only.
        with packed_tokens(self.model):
            return self._graph.forward(features, run)


def model_task(model) -> str:
    """The export task of an albert_tf model instance, from its class."""
    return task_for_model(model).name
