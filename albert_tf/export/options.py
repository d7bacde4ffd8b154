"""``ExportOptions``: what to export and how, one object from the CLI (or ``export_saved_model``) to the
:class:`~albert_tf.export.module.ServingModule`; every default is written here once.

Example:
    >>> from albert_tf import AlbertConfig
    >>> options = ExportOptions(task="question_answering").for_model(AlbertConfig(max_position_embeddings=128))
    >>> options.max_length, options.max_seq_len, options.doc_stride
    (128, 128, 64)
"""

from __future__ import annotations

import dataclasses

from albert_tf.tasks import get_task, question_answering


@dataclasses.dataclass(frozen=True)
class ExportOptions:
    """What to export and how.

    Args:
        task: one of :data:`albert_tf.tasks.TASKS`.
        max_length: truncation length of the in-graph tokenizer (special tokens included); None: the
            model's ``max_position_embeddings`` (see :meth:`for_model`).
        text_pair: the sequence classifier takes (text, text_pair).
        ids_only: no tokenizer ops: ``serving_default`` takes token ids (stock ``saved_model_cli run``
            and any TensorFlow build can run it).
        top_k: predictions per [MASK] (masked_lm, pretraining).
        max_seq_len, doc_stride, max_question_len, max_answer_len, handle_impossible_answer:
            question_answering, HF's pipeline parameters: windows of at most ``max_seq_len`` tokens
            (None: ``min(384, max_length)``) overlapping by ``doc_stride`` tokens (None:
            ``min(max_seq_len // 2, 128)``), questions cut to ``max_question_len`` tokens, answers of at
            most ``max_answer_len`` tokens; see :mod:`albert_tf.tasks.question_answering`.
        max_answer_length: the former name of ``max_answer_len``, still accepted.
        aggregation_strategy, stride: token_classification, HF's pipeline parameters: with a strategy
            (none/simple/first/average/max) the text signature returns entities (``word``, ``start``,
            ``end``, ``score``, ...) instead of a label per token; ``stride`` cuts a text longer than
            ``max_length`` into windows sharing ``stride`` tokens (None: truncated, as HF without stride);
            see :mod:`albert_tf.tasks.token_classification`.
        num_chunks: sub-batches per request; rows are sorted by length first. Within a sub-batch the
            encoder's projections run on its real tokens only (``packed_tokens``), so fewer, larger
            sub-batches pay off: 2 by default (bench/end_to_end.py on 2 cores: 2 > 4 > 1 > 8 sub-batches);
            the attention alone is padded to each sub-batch's longest row.
        pad_to_multiple_of: each sub-batch is padded to its longest row rounded up to this. 1 by default:
            serving graphs run without XLA, so new shapes cost no compilation, while padding costs compute
            (bench/end_to_end.py: about 10% more texts/s than rounding up to 8).
    """

    task: str
    max_length: int | None = None
    text_pair: bool = False
    ids_only: bool = False
    top_k: int = 5
    max_seq_len: int | None = None
    doc_stride: int | None = None
    max_question_len: int = question_answering.DEFAULT_MAX_QUESTION_LEN
    max_answer_len: int = question_answering.DEFAULT_MAX_ANSWER_LEN
    handle_impossible_answer: bool = False
    max_answer_length: int | None = None
    aggregation_strategy: str | None = None
    stride: int | None = None
    num_chunks: int = 2
    pad_to_multiple_of: int = 1

    def __post_init__(self):
        if self.max_answer_length is not None:  # the former name: one value under the new one
            if self.max_answer_len not in (question_answering.DEFAULT_MAX_ANSWER_LEN, self.max_answer_length):
                raise ValueError(f"max_answer_length ({self.max_answer_length}) and max_answer_len "
                                 f"({self.max_answer_len}) disagree; pass max_answer_len only")
            object.__setattr__(self, "max_answer_len", self.max_answer_length)
            object.__setattr__(self, "max_answer_length", None)

    @classmethod
    def from_values(cls, task: str, **values) -> "ExportOptions":
        """Options from keyword values; an unknown name is a one-line error listing the known ones."""
        unknown = sorted(set(values) - set(cls.field_defaults()))
        if unknown:
            raise TypeError(f"unknown export option(s) {', '.join(unknown)}; options: "
                            f"{', '.join(cls.field_defaults())}")
        return cls(task=task, **values)

    @classmethod
    def field_defaults(cls) -> dict:
        """Every option but ``task``, with its default (the CLI's flag defaults)."""
        return {f.name: f.default for f in dataclasses.fields(cls) if f.name != "task"}

    def for_model(self, config) -> "ExportOptions":
        """These options with ``max_length`` resolved (None follows the model's position table) and the
        task's own defaults filled in (question answering: ``max_seq_len`` and ``doc_stride``, HF's)."""
        options = self
        if options.max_length is None:
            options = dataclasses.replace(options, max_length=config.max_position_embeddings)
        return get_task(options.task).resolve_options(options)

    def validate(self, config) -> None:
        task = get_task(self.task)
        if not 3 <= self.max_length <= config.max_position_embeddings:
            raise ValueError(f"max_length must be in [3, {config.max_position_embeddings}] "
                             f"(max_position_embeddings), got {self.max_length}")
        if not 1 <= self.top_k <= config.vocab_size:
            raise ValueError(f"top_k must be in [1, {config.vocab_size}], got {self.top_k}")
        if self.max_answer_len < 1:
            raise ValueError(f"max_answer_len must be positive, got {self.max_answer_len}")
        task.validate_options(self, config)
        if self.num_chunks < 1 or self.pad_to_multiple_of < 1:
            raise ValueError("num_chunks and pad_to_multiple_of must be positive")
