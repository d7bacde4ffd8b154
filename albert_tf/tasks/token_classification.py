"""Token classification: ``TFAlbertForTokenClassification``. An export gives a label per token by default
(``labels``/``label_ids``/``scores``/``offsets``, the first ``max_length`` tokens); with the export option
``aggregation_strategy`` (and ``stride`` for long texts) its text signature returns entities instead, as HF
4.x's ``pipeline("token-classification", stride=..., aggregation_strategy=...)`` with ALBERT's fast tokenizer.

A text longer than ``max_length`` is cut into windows (HF's ``truncation=True``,
``return_overflowing_tokens=True``, ``stride``: each window is ``[CLS] tokens [SEP]``, consecutive windows
share ``stride`` tokens; without ``stride`` the text is truncated), all windows of all rows run through the
model as one batch, and each window is post-processed as HF's ``TokenClassificationPipeline.postprocess``
does for a chunk: softmax scores, pre-entities with the fast tokenizer's character offsets (a token is a
subword when no plain space surrounds its start; an ``<unk>`` takes its text and starts a word), word
aggregation (``first``/``average``/``max``), B-/I- grouping, the ``ignore_labels`` filter; then, for a row
with more than one window, HF's ``aggregate_overlapping_entities`` (sorted by start, of overlapping
entities the longest, then the highest score, survives). The numpy version of the same rules is
:class:`albert_tf.pipelines.token_classification.TokenClassificationPipeline`.

Entities are padded per row to ``[B, E]`` (``E``: the most in any row): ``""`` for strings, 0 for
scores, -1 for ints; ``num_entities`` says how many are real. The graph is total over rows (TF Serving
batches clients' rows together): an empty text has no tokens, one ``[CLS] [SEP]`` window and 0 entities.

Example:
    >>> import tensorflow as tf  # doctest: +SKIP
    >>> from albert_tf.tokenization import AlbertPreprocessor, AlbertTokenizer  # doctest: +SKIP
    >>> tok = AlbertTokenizer.from_pretrained("path/to/albert-ner")  # doctest: +SKIP
    >>> pre = AlbertPreprocessor.from_tokenizer(tok, max_length=64, return_offsets=True,  # doctest: +SKIP
    ...                                         offset_unit="char")
    >>> ner = TokenClassificationGraph(tok, labels=["O", "B-PER", "I-PER"], max_length=64, stride=16)  # doctest: +SKIP
    >>> text = tf.constant(["My name is Sarah and I live in London", ""])  # doctest: +SKIP
    >>> features, meta = ner.windows(pre, text)  # doctest: +SKIP
    >>> out = ner.outputs({"logits": model(**features).logits}, features, meta, text)  # doctest: +SKIP
    >>> out["entity_group"][0, 0].numpy(), out["num_entities"].numpy()  # doctest: +SKIP
    (b'PER', array([1, 0], dtype=int32))
"""

from __future__ import annotations

from albert_tf.tasks.base import ServingGraph, Task
from albert_tf.tasks.conll import ConllWordLabels
from albert_tf.tasks.entities import AggregationStrategy, EntityRules, as_strategy
from albert_tf.tasks.spec import tensor
from albert_tf.tasks.text_spans import TextTokens
from albert_tf.tokenization.constants import SPIECE_UNDERLINE

__all__ = ["AggregationStrategy", "TokenClassificationGraph", "TokenClassificationTask", "validate_options"]

# Per-token outputs (the default export, and predict_ids of every token-classification export).
_TOKEN_IDS = (
    tensor("labels", "string", "BL", "config.id2label of each token's argmax; '' at [CLS]/[SEP]/padding"),
    tensor("label_ids", "int32", "BL", "argmax label id of each token; -1 at [CLS]/[SEP]/padding"),
    tensor("scores", "float32", "BL", "softmax probability of the chosen label; 0 at [CLS]/[SEP]/padding"),
)
_TOKEN_TEXT = _TOKEN_IDS + (
    tensor("offsets", "int32", "BL2", "(start, end) of each token in characters of text; (0, 0) at "
           "[CLS]/[SEP]/padding"),
)

_NONE_OUTPUTS = (
    tensor("entity", "string", "BE", "config.id2label of the token's argmax; '' past num_entities"),
    tensor("score", "float32", "BE", "softmax probability of that label; 0 past num_entities"),
    tensor("index", "int32", "BE", "token position in the window's input_ids ([CLS] is 0); -1 past num_entities"),
    tensor("word", "string", "BE", "the token's piece (its text for <unk>); '' past num_entities"),
    tensor("start", "int32", "BE", "start in characters of text (HF fast offsets); -1 past num_entities"),
    tensor("end", "int32", "BE", "end (exclusive) in characters of text; -1 past num_entities"),
)
_GROUP_OUTPUTS = (
    tensor("entity_group", "string", "BE", "the entity's label without its B-/I- prefix; '' past num_entities"),
    tensor("score", "float32", "BE", "mean of the entity's token (or word) scores; 0 past num_entities"),
    tensor("word", "string", "BE", "the entity's pieces decoded as the fast tokenizer's "
           "convert_tokens_to_string; '' past num_entities"),
    tensor("start", "int32", "BE", "start in characters of text (HF fast offsets); -1 past num_entities"),
    tensor("end", "int32", "BE", "end (exclusive) in characters of text; -1 past num_entities"),
)
_NUM = tensor("num_entities", "int32", "B", "entities of the row (the rest of its E entries is padding)")


def entity_outputs(aggregation_strategy: str) -> tuple:
    """The text signature's outputs of an entity export (``TensorDoc`` entries)."""
    none = as_strategy(aggregation_strategy) == AggregationStrategy.NONE
    return (_NONE_OUTPUTS if none else _GROUP_OUTPUTS) + (_NUM,)


def validate_options(aggregation_strategy: str | None, stride: int | None, max_length: int) -> str | None:
    """One-line errors for entity options no row could use (HF's wording where HF has one); returns the
    strategy's canonical name (None: per-token outputs)."""
    if aggregation_strategy is None:
        if stride is not None:
            raise ValueError("stride needs aggregation_strategy (none/simple/first/average/max): windows over a "
                             "long text are merged into entities")
        return None
    strategy = as_strategy(aggregation_strategy)
    if max_length < 3:
        raise ValueError(f"max_length must be at least 3 ([CLS] token [SEP]), got {max_length}")
    if stride is not None:
        if isinstance(stride, bool) or int(stride) != stride or stride < 0:
            raise ValueError(f"stride must be a non-negative integer, got {stride!r}")
        if stride >= max_length - 2:
            raise ValueError(f"`stride` ({stride}) must be less than the model's maximum length minus the 2 "
                             f"special tokens ({max_length - 2})")
        if strategy == AggregationStrategy.NONE:  # HF's error
            raise ValueError('`stride` was provided to process all the text but `aggregation_strategy="none"`, '
                             "please select another one instead.")
    return strategy.value


def _segments(values, segment, count):
    """[N] values with sorted segment ids -> [count, longest] (padded), for per-segment joins."""
    import tensorflow as tf

    return tf.RaggedTensor.from_value_rowids(values, tf.cast(segment, tf.int64), nrows=tf.cast(count, tf.int64))


def _decode(words, segment, first, count):
    """The fast tokenizer's convert_tokens_to_string (Metaspace decoder) per segment: every ``▁`` of a
    segment's first string is dropped, later ones become spaces, nothing is stripped."""
    import tensorflow as tf

    part = tf.where(first, tf.strings.regex_replace(words, SPIECE_UNDERLINE, ""),
                    tf.strings.regex_replace(words, SPIECE_UNDERLINE, " "))
    return tf.strings.reduce_join(_segments(part, segment, count).to_tensor(""), axis=1)


class TokenClassificationGraph:
    """The text path of a token-classification export: strings -> windows -> model -> entities per row.

    Args:
        tokenizer: the :class:`~albert_tf.tokenization.AlbertTokenizer` (piece strings, special ids).
        labels: ``config.id2label`` in id order.
        max_length: HF's ``model_max_length``: window length, special tokens included.
        stride: tokens shared by consecutive windows; None truncates to one window (HF without stride).
        aggregation_strategy, ignore_labels: HF's pipeline parameters.
    """

    def __init__(self, tokenizer, *, labels: list[str], max_length: int, stride: int | None,
                 aggregation_strategy: str = "simple", ignore_labels=("O",)):
        import tensorflow as tf

        self.strategy = as_strategy(validate_options(aggregation_strategy, stride, int(max_length)))
        self.max_length = int(max_length)
        self.stride = None if stride is None else int(stride)
        ignore = set(ignore_labels)
        self._cls, self._sep, self._pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
        self._text = TextTokens(tokenizer)
        labels = [str(label) for label in labels]
        tags = [EntityRules.get_tag(label) for label in labels]
        names = sorted({tag for _, tag in tags})
        # Per label id: what group_entities compares (the tag without B-/I-, B or not), the group's
        # name (HF: label.split("-", 1)[-1], not always the tag) and whether the filter drops it.
        self._labels = tf.constant(labels)
        self._tag = tf.constant([names.index(tag) for _, tag in tags], tf.int32)
        self._begin = tf.constant([bi == "B" for bi, _ in tags])
        self._group_name = tf.constant([label.split("-", 1)[-1] for label in labels])
        self._ignored = tf.constant([label in ignore for label in labels])
        self._ignored_group = tf.constant([label.split("-", 1)[-1] in ignore for label in labels])

    def output_docs(self) -> tuple:
        """The text signature's outputs (``TensorDoc`` entries)."""
        return entity_outputs(self.strategy.value)

    # ------------------------------------------------------------------ windows
    def windows(self, preprocessor, text) -> tuple[dict, dict]:
        """(model features [W, L] of all windows of all rows, bookkeeping for :meth:`outputs`)."""
        import tensorflow as tf

        rows = tf.shape(text)[0]
        tok = self._text.tokens(preprocessor, text)
        n = tok["count"]
        budget = self.max_length - 2
        if self.stride is None:
            step, count = budget, tf.ones_like(n)
        else:
            step = budget - self.stride
            count = tf.where(n > budget, 1 + (n - budget + step - 1) // step, 1)
        window_row = tf.repeat(tf.range(rows), count)
        w_start = tf.ragged.range(count).flat_values * step
        w_len = tf.maximum(tf.minimum(budget, tf.gather(n, window_row) - w_start), 0)

        # Every token of every window, flat: its window and its index among the row's tokens.
        pieces = tf.ragged.range(w_start, w_start + w_len)
        t_window = tf.cast(pieces.value_rowids(), tf.int32)
        t_token = pieces.flat_values
        t_at = tf.stack([tf.gather(window_row, t_window), t_token], axis=1)
        window_ids = pieces.with_flat_values(tf.gather_nd(tok["ids"], t_at))
        windows = tf.shape(window_row)[0]
        ids = tf.concat([tf.fill([windows, 1], self._cls), window_ids, tf.fill([windows, 1], self._sep)], axis=1)
        total = tf.cast(ids.row_lengths(), tf.int32)
        ids = ids.to_tensor(self._pad)
        attended = tf.range(tf.shape(ids)[1])[tf.newaxis, :] < total[:, tf.newaxis]
        features = {"input_ids": ids, "attention_mask": tf.cast(attended, tf.int32),
                    "token_type_ids": tf.zeros_like(ids)}
        meta = dict(rows=rows, window_row=window_row, window_count=count, t_window=t_window,
                    t_position=t_token - tf.gather(w_start, t_window) + 1, t_at=t_at,
                    ids=tok["ids"], starts=tok["starts"], ends=tok["ends"])
        return features, meta

    # ------------------------------------------------------------------ entities
    def outputs(self, raw: dict, features: dict, meta: dict, text) -> dict:
        """Model logits of every window -> the entities of each row, padded to [B, E] (see the module doc)."""
        import tensorflow as tf

        # Pre-entities (HF's gather_pre_entities): the non-special tokens of every window, flat.
        t_window, t_position, t_at = meta["t_window"], meta["t_position"], meta["t_at"]
        # [W, L, C]: the export's sub-batch runner returns tensors of unknown rank.
        logits = tf.ensure_shape(raw["logits"], [None, None, self._labels.shape[0]])
        probs = tf.nn.softmax(tf.gather_nd(logits, tf.stack([t_window, t_position], axis=1)), axis=-1)
        ids = tf.gather_nd(meta["ids"], t_at)
        start, end = tf.gather_nd(meta["starts"], t_at), tf.gather_nd(meta["ends"], t_at)
        sentence = tf.gather(text, t_at[:, 0])
        unk = tf.equal(ids, self._text.unk)
        word = tf.where(unk, tf.strings.substr(sentence, start, end - start, unit="UTF8_CHAR"),
                        tf.gather(self._text.pieces, ids))
        around = tf.strings.substr(sentence, tf.maximum(start - 1, 0), tf.fill(tf.shape(start), 2), unit="UTF8_CHAR")
        subword = (start > 0) & tf.strings.regex_full_match(around, "[^ ]*") & ~unk  # no " " in text[start-1:start+1]
        tokens = tf.shape(ids)[0]
        index = tf.range(tokens)
        label = tf.argmax(probs, axis=-1, output_type=tf.int32)  # ties: the first, as numpy's argmax
        score = tf.reduce_max(probs, axis=-1)

        if self.strategy in (AggregationStrategy.NONE, AggregationStrategy.SIMPLE):
            unit = {"label": label, "score": score, "word": word, "start": start, "end": end,
                    "window": t_window, "index": t_position}
        else:  # aggregate_words: a word is a token and the subwords after it, within the window
            window_first = tf.equal(t_position, 1)
            new_word = window_first | ~subword
            word_id = tf.cumsum(tf.cast(new_word, tf.int32)) - 1
            words = tf.reduce_sum(tf.cast(new_word, tf.int32))
            first = tf.boolean_mask(index, new_word)
            last = tf.math.unsorted_segment_max(index, word_id, words)
            if self.strategy == AggregationStrategy.FIRST:
                w_label, w_score = tf.gather(label, first), tf.gather(score, first)
            elif self.strategy == AggregationStrategy.MAX:
                best = tf.gather(tf.math.unsorted_segment_max(score, word_id, words), word_id)
                pick = tf.math.unsorted_segment_min(tf.where(tf.equal(score, best), index, tokens), word_id, words)
                w_label, w_score = tf.gather(label, pick), tf.gather(score, pick)  # the first best token
            else:  # AVERAGE: the label of the mean probabilities
                mean = tf.math.unsorted_segment_mean(probs, word_id, words)
                w_label, w_score = tf.argmax(mean, axis=-1, output_type=tf.int32), tf.reduce_max(mean, axis=-1)
            unit = {"label": w_label, "score": w_score, "word": _decode(word, word_id, new_word, words),
                    "start": tf.gather(start, first), "end": tf.gather(end, last), "window": tf.gather(t_window, first)}

        if self.strategy == AggregationStrategy.NONE:
            keep = ~tf.gather(self._ignored, unit["label"])
            entity = {"entity": tf.gather(self._labels, unit["label"]), "score": unit["score"],
                      "index": unit["index"], "word": unit["word"], "start": unit["start"], "end": unit["end"],
                      "window": unit["window"]}
        else:  # group_entities: a new group at a window's first unit, another tag, or a B- tag
            tag, units = tf.gather(self._tag, unit["label"]), tf.shape(unit["label"])[0]
            previous = lambda t: tf.concat([t[:1], t[:-1]], 0)  # noqa: E731
            new_group = ((tf.range(units) == 0) | tf.not_equal(unit["window"], previous(unit["window"]))
                         | tf.not_equal(tag, previous(tag)) | tf.gather(self._begin, unit["label"]))
            group = tf.cumsum(tf.cast(new_group, tf.int32)) - 1
            groups = tf.reduce_sum(tf.cast(new_group, tf.int32))
            g_first = tf.boolean_mask(tf.range(units), new_group)
            g_last = tf.math.unsorted_segment_max(tf.range(units), group, groups)
            g_label = tf.gather(unit["label"], g_first)
            keep = ~tf.gather(self._ignored_group, g_label)
            entity = {"entity_group": tf.gather(self._group_name, g_label),
                      "score": tf.math.unsorted_segment_mean(unit["score"], group, groups),
                      "word": _decode(unit["word"], group, new_group, groups),
                      "start": tf.gather(unit["start"], g_first), "end": tf.gather(unit["end"], g_last),
                      "window": tf.gather(unit["window"], g_first)}
        entity = {k: tf.boolean_mask(v, keep) for k, v in entity.items()}
        return self._per_row(entity, meta)

    def _per_row(self, entity: dict, meta: dict) -> dict:
        """Flat entities (rows' windows in order) -> [B, E] per row, overlapping ones merged across windows."""
        import tensorflow as tf

        window = entity.pop("window")
        row = tf.gather(meta["window_row"], window)
        pad = {k: ("" if v.dtype == tf.string else 0.0 if v.dtype.is_floating else -1) for k, v in entity.items()}
        dense = {k: _segments(v, row, meta["rows"]).to_tensor(pad[k]) for k, v in entity.items()}
        n = tf.math.bincount(row, minlength=meta["rows"], maxlength=meta["rows"], dtype=tf.int32)
        width = tf.shape(dense["start"])[1]
        position = tf.broadcast_to(tf.range(width)[tf.newaxis, :], tf.shape(dense["start"]))
        valid = position < n[:, tf.newaxis]
        merge = meta["window_count"] > 1  # HF merges only when the text had more than one chunk

        # aggregate_overlapping_entities: a stable sort by start, then one sweep per row.
        order = tf.argsort(tf.where(valid, dense["start"], tf.int32.max), axis=1, stable=True)
        order = tf.where(merge[:, tf.newaxis], order, position)
        s = {k: tf.gather(v, order, batch_dims=1) for k, v in dense.items()}
        length = s["end"] - s["start"]

        def take(t, i):
            return tf.gather(t, i[:, tf.newaxis], batch_dims=1)[:, 0]

        def step(i, previous, emitted):
            at = tf.fill(tf.shape(previous), i)
            start_i = take(s["start"], at)
            overlap = (take(s["start"], previous) <= start_i) & (start_i < take(s["end"], previous))
            length_i, length_p = take(length, at), take(length, previous)
            higher = take(s["score"], at) > take(s["score"], previous)
            wins = (length_i > length_p) | ((length_i == length_p) & higher)
            active = i < n
            here = (active & ~overlap)[:, tf.newaxis] & tf.equal(position, i)
            emitted = tf.where(here, previous[:, tf.newaxis], emitted)
            previous = tf.where(active & (~overlap | wins), at, previous)
            return i + 1, previous, emitted

        rows = meta["rows"]
        _, previous, emitted = tf.while_loop(lambda i, *_: i < width, step,
                                             (tf.constant(0), tf.zeros([rows], tf.int32), -tf.ones_like(position)))
        emitted = tf.concat([emitted, tf.where(n > 0, previous, -1)[:, tf.newaxis]], axis=1)  # the last one
        single = tf.concat([tf.where(valid, position, -1), -tf.ones([rows, 1], tf.int32)], axis=1)
        chosen = tf.where(merge[:, tf.newaxis], emitted, single)
        chosen = tf.ragged.boolean_mask(chosen, chosen >= 0)
        num = tf.cast(chosen.row_lengths(), tf.int32)
        chosen = chosen.to_tensor(0)
        real = tf.range(tf.shape(chosen)[1])[tf.newaxis, :] < num[:, tf.newaxis]
        out = {k: tf.where(real, tf.gather(v, chosen, batch_dims=1), pad[k]) for k, v in s.items()}
        out["num_entities"] = num
        return out


# ------------------------------------------------------------------ the task (export's view)
class TokenClassificationTask(ConllWordLabels, Task):
    name = "token_classification"
    model_class = "TFAlbertForTokenClassification"
    offsets = True
    special_tokens_mask = True
    accepts_entities = True

    def outputs(self, *, regression=False, text=True, options=None):
        if text and options is not None and options.aggregation_strategy is not None:
            return entity_outputs(options.aggregation_strategy)
        return _TOKEN_TEXT if text else _TOKEN_IDS

    def validate_options(self, options, config):
        super().validate_options(options, config)
        validate_options(options.aggregation_strategy, options.stride, options.max_length)
        if options.aggregation_strategy is not None and options.ids_only:
            raise ValueError("aggregation_strategy needs the text signature (entities carry character offsets "
                             "into the text); drop ids_only")

    def serving_graph(self, model, tokenizer, options):
        if options.aggregation_strategy is not None and not options.ids_only:
            return _EntityServingGraph(self, model, tokenizer, options)
        return _TokenLabelsGraph(self, model, tokenizer, options)


class _TokenLabelsGraph(ServingGraph):
    """A label per token of the (truncated) text, or of the given ids."""

    def __init__(self, task, model, tokenizer, options):
        super().__init__(task, model, tokenizer, options)
        self.labels = self.label_table()
        self.cls_id, self.sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id

    def forward(self, features, run):
        import tensorflow as tf

        return run(lambda f: {"logits": self.call(f).logits}, features, {}, {"logits": (tf.float32, True)})

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        ids, mask = features["input_ids"], features["attention_mask"]
        if strings is not None:
            real = (mask > 0) & (features["special_tokens_mask"] == 0)
        else:
            real = (mask > 0) & (ids != self.cls_id) & (ids != self.sep_id)
        label_ids = tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)
        scores = tf.reduce_max(tf.nn.softmax(raw["logits"], axis=-1), axis=-1)
        out = {"labels": tf.where(real, tf.gather(self.labels, label_ids), ""),
               "label_ids": tf.where(real, label_ids, -1),
               "scores": tf.where(real, scores, 0.0)}
        if strings is not None:
            out["offsets"] = tf.where(real[..., tf.newaxis], features["offsets"], 0)
        return out


class _EntityServingGraph(_TokenLabelsGraph):
    """Text: windows over each text and HF's entities (:class:`TokenClassificationGraph`); ids: per token."""

    windowed = True

    def __init__(self, task, model, tokenizer, options):
        super().__init__(task, model, tokenizer, options)
        self.entities = TokenClassificationGraph(
            tokenizer, labels=[self.config.id2label[i] for i in range(self.config.num_labels)],
            max_length=options.max_length, stride=options.stride,
            aggregation_strategy=options.aggregation_strategy)

    def text_outputs(self, preprocessor, strings, run_model):
        features, meta = self.entities.windows(preprocessor, strings["text"])
        return self.entities.outputs(run_model(features), features, meta, strings["text"])
