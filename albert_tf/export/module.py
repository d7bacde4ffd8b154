"""``ServingModule``: a ``tf.Module`` holding a Keras ALBERT model and its in-graph tokenizer, with one
``tf.function`` per signature of :mod:`albert_tf.export.signatures`.

Every signature runs the model through :func:`~albert_tf.export.graph_ops.run_in_sorted_chunks`: rows are
sorted by length and run in a few sub-batches, each padded only to its own longest row. The text path
(``serving_default``, ``classify``/``regress``) tokenizes with :class:`AlbertPreprocessor` (tensorflow-text
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
from albert_tf.tasks import question_answering
from albert_tf.export.signatures import CLASSIFY, PREDICT_IDS, REGRESS, SERVING_DEFAULT

_IDS_KEYS = ("input_ids", "attention_mask", "token_type_ids")


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
        self._task = options.task
        self._config = config
        self._specs = signatures.signature_specs(options.task, num_labels=config.num_labels,
                                                 text_pair=options.text_pair, ids_only=options.ids_only)
        self._sizes = {"C": config.num_labels, "K": options.top_k, "H": config.hidden_size}
        self._regression = options.task == "sequence_classification" and config.num_labels == 1
        self._mask_id = tokenizer.mask_token_id
        self._cls_id = tokenizer.cls_token_id
        self._sep_id = tokenizer.sep_token_id
        if tokenizer.vocab_size != config.vocab_size:
            raise ValueError(f"tokenizer has {tokenizer.vocab_size} pieces but the model's vocab_size is "
                             f"{config.vocab_size}; export the tokenizer the model was trained with")
        # Lookup tables are plain constants (core ops, no asset files to ship).
        self._labels = tf.constant([config.id2label[i] for i in range(config.num_labels)])
        if options.task in ("masked_lm", "pretraining"):
            # HF's fill-mask reports token_str = tokenizer.decode([id]).
            self._token_strings = tf.constant([tokenizer.decode([i]) for i in range(tokenizer.vocab_size)])
        self._qa = None
        if options.task == "question_answering":
            self._qa = question_answering.QuestionAnsweringGraph(
                tokenizer, max_seq_len=options.max_seq_len, doc_stride=options.doc_stride,
                max_question_len=options.max_question_len, max_answer_len=options.max_answer_len,
                handle_impossible_answer=options.handle_impossible_answer)
        self.preprocessor = None
        if not options.ids_only:
            from albert_tf.tokenization import AlbertPreprocessor

            with_offsets = options.task in ("question_answering", "token_classification")
            self.preprocessor = AlbertPreprocessor.from_tokenizer(
                tokenizer,
                max_length=options.max_length,
                truncation="only_second" if options.task == "question_answering" else "longest_first",
                return_offsets=with_offsets,
                offset_unit="char",
                return_special_tokens_mask=options.task == "token_classification",
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
            if self._qa is not None:  # windows over long contexts: the task module owns the text path
                strings = self._checked_strings(strings)
                features, meta = self._qa.windows(self.preprocessor, strings["question"], strings["context"])
                return self._qa.outputs(self._run_model(features), features, meta, strings["context"])
            features, strings = self._encode_text(strings)
            return self._outputs(self._run_model(features), features, strings)

        return self._shared("text", text_outputs, self._input_specs(self._specs[SERVING_DEFAULT].inputs))(inputs)

    def _predict_ids(self, inputs: dict) -> dict:
        checks = graph_ops.ids_checks(inputs, self._config.vocab_size, self._config.type_vocab_size,
                                      self._config.max_position_embeddings)
        features = graph_ops.with_checks(checks, {k: inputs[k] for k in _IDS_KEYS})
        features = self._add_mask_positions(features)
        return self._outputs(self._run_model(features), features, None)

    def _run_model(self, features: dict) -> dict:
        rank = 3 if self._task == "multiple_choice" else 2
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
        return {"classes": tf.tile(self._labels[tf.newaxis, :], [batch, 1]), "scores": out["probabilities"]}

    def _regress(self, inputs: dict) -> dict:
        return {"outputs": self._predict_text(self._examples_to_text(inputs["inputs"]))["score"]}

    # ------------------------------------------------------------------ text -> features
    def _checked_strings(self, inputs: dict) -> dict:
        """The string inputs after the request-wide checks (rows present, equal counts, UTF-8)."""
        names = [t.name for t in self._specs[SERVING_DEFAULT].inputs]
        checks = [graph_ops.nonempty_check(name, inputs[name]) for name in names]
        checks += [graph_ops.same_rows_check(name, inputs[name], names[0], inputs[names[0]]) for name in names[1:]]
        if self._task == "multiple_choice":
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
        features = graph_ops.with_checks(checks, dict(encoded))
        features = self._add_mask_positions(features)
        return features, strings

    def _add_mask_positions(self, features: dict) -> dict:
        """[B, M] positions of each row's [MASK] tokens, -1 padded; a row without [MASK] has only -1s
        (and so no predictions): no error, so that it cannot fail other rows of a batch."""
        if self._task not in ("masked_lm", "pretraining"):
            return features
        positions = graph_ops.mask_positions(features["input_ids"], features["attention_mask"], self._mask_id)
        return dict(features, mask_positions=positions)

    # ------------------------------------------------------------------ the model, sub-batched
    def _forward(self, features: dict) -> dict:
        task, model = self._task, self.model
        options = self.options
        ids = {k: features[k] for k in _IDS_KEYS}

        def call(f):
            return model(input_ids=f["input_ids"], attention_mask=f["attention_mask"],
                         token_type_ids=f["token_type_ids"], training=False)

        def run(fn, token_inputs, row_inputs, outputs):
            lengths = graph_ops.sequence_lengths(token_inputs["attention_mask"])
            return graph_ops.run_in_sorted_chunks(fn, lengths, token_inputs, row_inputs, outputs,
                                                  options.num_chunks, options.pad_to_multiple_of)

        if task == "multiple_choice":
            shape = tf.shape(ids["input_ids"])
            flat = {k: tf.reshape(v, [-1, shape[2]]) for k, v in ids.items()}

            def choice_logits(f):  # each flattened row is one (question, choice) of a 1-choice batch
                one = {k: v[:, tf.newaxis, :] for k, v in f.items()}
                return {"logits": call(one).logits[:, 0]}

            raw = run(choice_logits, flat, {}, {"logits": (tf.float32, False)})
            return {"logits": tf.reshape(raw["logits"], shape[:2])}

        if task in ("masked_lm", "pretraining"):
            k = options.top_k

            def fill_mask(f):
                out = model.albert(input_ids=f["input_ids"], attention_mask=f["attention_mask"],
                                   token_type_ids=f["token_type_ids"], training=False)
                # The MLM head is position-wise: run it on the [MASK] positions only, not on L x vocab.
                hidden = tf.gather(out["last_hidden_state"], tf.maximum(f["mask_positions"], 0), batch_dims=1)
                logits = model.predictions(hidden, model.albert.embeddings.word_embeddings.embeddings)
                scores, top_ids = graph_ops.top_k_predictions(logits, k)
                result = {"top_k_scores": scores, "top_k_ids": top_ids}
                if task == "pretraining":
                    result["sop_logits"] = model.sop_classifier(out["pooler_output"], training=False)
                return result

            outputs = {"top_k_scores": (tf.float32, False), "top_k_ids": (tf.int32, False)}
            if task == "pretraining":
                outputs["sop_logits"] = (tf.float32, False)
            return run(fill_mask, ids, {"mask_positions": features["mask_positions"]}, outputs)

        if task == "sequence_classification":
            return run(lambda f: {"logits": call(f).logits}, ids, {}, {"logits": (tf.float32, False)})
        if task == "token_classification":
            return run(lambda f: {"logits": call(f).logits}, ids, {}, {"logits": (tf.float32, True)})
        if task == "question_answering":
            def spans(f):
                out = call(f)
                return {"start_logits": out.start_logits, "end_logits": out.end_logits}

            return run(spans, ids, {}, {"start_logits": (tf.float32, True), "end_logits": (tf.float32, True)})
        # base

        def encoder(f):
            out = call(f)
            # float32 outputs whatever the model's dtype policy (the table's dtype; mixed precision computes
            # hidden states in float16/bfloat16).
            return {"sequence_output": tf.cast(out.last_hidden_state, tf.float32),
                    "pooled_output": tf.cast(out.pooler_output, tf.float32)}

        return run(encoder, ids, {}, {"sequence_output": (tf.float32, True), "pooled_output": (tf.float32, False)})

    # ------------------------------------------------------------------ raw outputs -> signature outputs
    def _outputs(self, raw: dict, features: dict, strings: dict | None) -> dict:
        task = self._task
        mask = features["attention_mask"]
        if task == "sequence_classification":
            if self._regression:
                return {"score": raw["logits"][:, 0]}
            label_id = tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)
            return {"logits": raw["logits"], "probabilities": tf.nn.softmax(raw["logits"], axis=-1),
                    "label_id": label_id, "label": tf.gather(self._labels, label_id)}
        if task == "multiple_choice":
            return {"logits": raw["logits"], "probabilities": tf.nn.softmax(raw["logits"], axis=-1),
                    "choice": tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)}
        if task == "base":
            return {"pooled_output": raw["pooled_output"],
                    "sequence_output": raw["sequence_output"] * tf.cast(mask, tf.float32)[..., tf.newaxis],
                    "attention_mask": mask}
        if task in ("masked_lm", "pretraining"):
            positions = features["mask_positions"]
            valid = (positions >= 0)[..., tf.newaxis]
            top_ids = tf.where(valid, raw["top_k_ids"], -1)
            out = {
                "top_k_ids": top_ids,
                "top_k_tokens": tf.where(valid, tf.gather(self._token_strings, tf.maximum(top_ids, 0)), ""),
                "top_k_scores": tf.where(valid, raw["top_k_scores"], 0.0),
                "mask_positions": positions,
            }
            if task == "pretraining":
                out["sop_probability"] = tf.nn.softmax(raw["sop_logits"], axis=-1)[:, 0]
            return out
        if task == "token_classification":
            ids = features["input_ids"]
            if strings is not None:
                real = (mask > 0) & (features["special_tokens_mask"] == 0)
            else:
                real = (mask > 0) & (ids != self._cls_id) & (ids != self._sep_id)
            label_ids = tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)
            scores = tf.reduce_max(tf.nn.softmax(raw["logits"], axis=-1), axis=-1)
            out = {"labels": tf.where(real, tf.gather(self._labels, label_ids), ""),
                   "label_ids": tf.where(real, label_ids, -1),
                   "scores": tf.where(real, scores, 0.0)}
            if strings is not None:
                out["offsets"] = tf.where(real[..., tf.newaxis], features["offsets"], 0)
            return out
        return self._qa.ids_outputs(raw, features)  # question answering on token ids: one window per row


def model_task(model) -> str:
    """The export task of an albert_tf model instance, from its class."""
    from albert_tf import modeling

    for task, class_name in signatures.TASK_MODEL_CLASSES.items():
        if isinstance(model, getattr(modeling, class_name)):
            return task
    raise ValueError(f"{type(model).__name__} is not an albert_tf ALBERT model; "
                     f"expected one of {', '.join(signatures.TASK_MODEL_CLASSES.values())}")

