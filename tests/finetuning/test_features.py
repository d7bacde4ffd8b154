"""Model features against Hugging Face: ids from transformers' slow AlbertTokenizer, word alignment from
the fast tokenizer's ``word_ids`` (run_ner's recipe), and SQuAD windows and answer positions from the fast
tokenizer's overflowing windows (run_qa's recipe), all built from the same SentencePiece model."""

import numpy as np
import pytest

from albert_tf import AlbertConfig
from albert_tf.finetuning import get_task
from albert_tf.finetuning.batching import IGNORE_LABEL, LengthBucketedBatches, pad_batch
from albert_tf.tasks import Settings
from tests.finetuning.conftest import fixture

CLS = get_task("sequence_classification")
NER = get_task("token_classification")
QA = get_task("question_answering")
MC = get_task("multiple_choice")


@pytest.mark.parametrize("name,max_length", [("reviews_train.csv", 24), ("similarity.jsonl", 16),
                                             ("reviews_dev.csv", 128)])
def test_classification_rows_match_hf(tokenizer, hf_slow, name, max_length):
    examples = CLS.read(fixture(name), regression=name.endswith("jsonl"))
    config = AlbertConfig(**CLS.label_config(examples, None, 1 if name.endswith("jsonl") else None))
    rows = CLS.encode(examples, tokenizer, Settings(max_length), config).rows
    for example, row in zip(examples, rows):
        expected = hf_slow(example.text, example.text_pair, truncation=True, max_length=max_length)
        assert row["input_ids"] == expected["input_ids"]
        assert row["token_type_ids"] == expected["token_type_ids"]
        assert row["attention_mask"] == expected["attention_mask"]
    assert any(len(r["input_ids"]) == max_length for r in rows) or max_length == 128  # truncation was exercised


@pytest.mark.parametrize("max_length", [128, 12])
def test_word_alignment_matches_hf(tokenizer, hf_slow, hf_fast, max_length):
    sentences = NER.read(fixture("ner_train.conll")) + NER.read(fixture("ner_dev.conll"))
    config = AlbertConfig(**NER.label_config(sentences, None, None))
    label2id = {v: k for k, v in config.id2label.items()}
    encoded = NER.encode(sentences, tokenizer, Settings(max_length), config)
    for sentence, row, first_piece in zip(sentences, encoded.rows, encoded.meta):
        slow = hf_slow(sentence.words, is_split_into_words=True, truncation=True, max_length=max_length)
        assert row["input_ids"] == slow["input_ids"]
        fast = hf_fast(sentence.words, is_split_into_words=True, truncation=True, max_length=max_length)
        assert row["input_ids"] == fast["input_ids"]
        # run_ner (label_all_tokens=False): the first token of each word gets its label, the rest -100.
        expected, previous = [], None
        for word in fast.word_ids():
            expected.append(IGNORE_LABEL if word is None or word == previous else label2id[sentence.tags[word]])
            previous = word
        assert row["labels"] == expected
        # Decoding reads each word at its first piece; cut-off words have none.
        positions = {w: i for i, w in reversed(list(enumerate(fast.word_ids()))) if w is not None}
        assert first_piece == [positions.get(k) for k in range(len(sentence.words))]


def _hf_squad_windows(hf_fast, examples, max_length, stride):
    """HF run_qa's prepare_train_features on the fast tokenizer (its windows and its labels)."""
    enc = hf_fast([e.question.lstrip() for e in examples], [e.context for e in examples], truncation="only_second",
                  max_length=max_length, stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True)
    windows = []
    for i, offsets in enumerate(enc["offset_mapping"]):
        example = examples[enc["overflow_to_sample_mapping"][i]]
        ids, sequence_ids = enc["input_ids"][i], enc.sequence_ids(i)
        start = end = 0
        if example.answers:
            text, start_char = example.answers[0]
            end_char = start_char + len(text)
            first = sequence_ids.index(1)
            last = len(ids) - 1 - sequence_ids[::-1].index(1)
            if offsets[first][0] <= start_char and offsets[last][1] >= end_char:
                start = first
                while start < len(offsets) and offsets[start][0] <= start_char:
                    start += 1
                start -= 1
                end = last
                while offsets[end][1] >= end_char:
                    end -= 1
                end += 1
                if sequence_ids[start] != 1:
                    # run_qa's documented edge case ("we could go after the last offset"): an answer
                    # starting in a window's last piece runs past it onto [SEP]; the right start is `last`.
                    start = last
        windows.append((enc["overflow_to_sample_mapping"][i], ids, enc["token_type_ids"][i], start, end))
    return windows


@pytest.mark.parametrize("name", ["squad_v1.1_train.json", "squad_v2.0_train.json", "squad_v1.1_dev.json"])
@pytest.mark.parametrize("max_length,stride", [(48, 12), (96, 32), (384, 128)])
def test_squad_windows_and_positions_match_hf(tokenizer, hf_fast, name, max_length, stride):
    examples = QA.read(fixture(name))
    encoded = QA.encode(examples, tokenizer, Settings(max_length, doc_stride=stride, max_query_length=30), None)
    expected = _hf_squad_windows(hf_fast, examples, max_length, stride)
    assert len(encoded.rows) == len(expected)
    if max_length == 48:
        assert len(encoded.rows) > 3 * len(examples)  # long contexts really were split
    labelled = 0
    for row, meta, (sample, ids, type_ids, start, end) in zip(encoded.rows, encoded.meta, expected):
        assert meta.example_index == sample
        assert row["input_ids"] == ids
        assert row["token_type_ids"] == type_ids
        assert (row["start_positions"], row["end_positions"]) == (start, end)
        labelled += start > 0
        if start > 0:  # the labelled span covers the answer text
            example = examples[sample]
            text, start_char = example.answers[0]
            span = example.context[meta.offsets[start][0]:meta.offsets[end][1]]
            assert text in span
    assert labelled >= sum(1 for e in examples if e.answers)  # every answer is inside some window


def test_doc_stride_must_leave_room(tokenizer):
    examples = QA.read(fixture("squad_v1.1_dev.json"))
    # HF's rule (its tokenizers' and pipeline's): the stride must be shorter than the context room the actual
    # question leaves, so a short question fits a stride that max_query_length alone would not leave room for.
    with pytest.raises(ValueError, match=r"squad_v1.1_dev.json:\d+: question .*: doc_stride=40 must be smaller than"):
        QA.encode(examples, tokenizer, Settings(48, doc_stride=40, max_query_length=64), None)
    assert QA.encode(examples, tokenizer, Settings(128, doc_stride=64, max_query_length=64), None).rows


def test_multiple_choice_rows_match_hf(tokenizer, hf_slow):
    examples = MC.read(fixture("mc_train.jsonl"))
    rows = MC.encode(examples, tokenizer, Settings(24), None).rows
    for example, row in zip(examples, rows):
        assert row["labels"] == example.label
        assert len(row["input_ids"]) == len(example.choices)
        for k, choice in enumerate(example.choices):
            first, second = ((example.context, f"{example.question} {choice}") if example.context
                             else (example.question, choice))
            expected = hf_slow(first, second, truncation=True, max_length=24)
            assert row["input_ids"][k] == expected["input_ids"]
            assert row["token_type_ids"][k] == expected["token_type_ids"]


# ------------------------------------------------------------------------------ batching
def test_pad_batch_layouts():
    rows = [{"input_ids": [[2, 5, 3], [2, 3]], "labels": 1}, {"input_ids": [[2, 3], [2, 6, 6, 3]], "labels": 0}]
    batch = pad_batch(rows, {"input_ids": 0})
    assert batch["input_ids"].shape == (2, 2, 4) and batch["input_ids"].dtype == np.int32
    assert batch["input_ids"][0].tolist() == [[2, 5, 3, 0], [2, 3, 0, 0]]
    tokens = [{"input_ids": [2, 9, 3], "labels": [-100, 4, -100]}, {"input_ids": [2, 3], "labels": [-100, -100]}]
    batch = pad_batch(tokens, {"input_ids": 0, "labels": IGNORE_LABEL}, pad_to_multiple_of=4)
    assert batch["labels"].tolist() == [[-100, 4, -100, -100], [-100, -100, -100, -100]]
    regression = pad_batch([{"input_ids": [2, 3], "labels": 0.5}], {})
    assert regression["labels"].dtype == np.float32


def test_length_buckets_cover_every_row_once_per_epoch():
    rng = np.random.default_rng(0)
    rows = [{"input_ids": [1] * int(n), "labels": i} for i, n in enumerate(rng.integers(3, 120, size=203))]
    source = LengthBucketedBatches(rows, 8, {"input_ids": 0}, seed=5, bucket_batches=4)
    epochs = [source.batch_indices(e) for e in range(3)]
    for batches in epochs:
        assert sorted(i for b in batches for i in b) == list(range(203))
        assert all(len(b) == 8 for b in batches[:-1])
    assert epochs[0] != epochs[1]  # re-shuffled every epoch
    assert LengthBucketedBatches(rows, 8, {}, seed=5, bucket_batches=4).batch_indices(1) == epochs[1]
    padded = sum(8 * max(len(rows[i]["input_ids"]) for i in b) for b in epochs[0])
    unsorted = sum(8 * max(len(rows[i]["input_ids"]) for i in range(k, min(k + 8, 203))) for k in range(0, 203, 8))
    assert padded < 0.75 * unsorted  # bucketing saves padding
    served = list(source)  # iterating is an epoch of padded batches
    assert sum(len(b["labels"]) for b in served) == 203
    static = LengthBucketedBatches(rows, 8, {}, length=128, drop_remainder=True)
    assert len(static) == 25 and {b["input_ids"].shape for b in static} == {(8, 128)}


def test_py_dataset_serves_the_tf_data_batches_epoch_by_epoch():
    """JAX and torch fit() read to_py_dataset(); TensorFlow's reads to_dataset(): the same batches, in the same
    order, re-shuffled per epoch by Keras' on_epoch_end as a new tf.data iterator is."""
    rng = np.random.default_rng(1)
    rows = [{"input_ids": [2] + [7] * int(n) + [3], "labels": i} for i, n in enumerate(rng.integers(1, 40, size=37))]
    dataset = LengthBucketedBatches(rows, 8, {"input_ids": 0}, seed=3, bucket_batches=2).to_dataset()
    expected = [[{k: v.numpy() for k, v in batch.items()} for batch in dataset] for _ in range(2)]
    served = LengthBucketedBatches(rows, 8, {"input_ids": 0}, seed=3, bucket_batches=2).to_py_dataset()
    for epoch in expected:
        assert served.num_batches == len(epoch) == 5
        for i, batch in enumerate(epoch):
            assert {k: v.tolist() for k, v in served[i].items()} == {k: v.tolist() for k, v in batch.items()}
        served.on_epoch_end()
    assert expected[0][0]["labels"].tolist() != expected[1][0]["labels"].tolist()
    with pytest.raises(IndexError):
        served[5]
    # JAX rounds lengths up (fewer compiled shapes); the rows are the same, padded further.
    rounded = LengthBucketedBatches(rows, 8, {"input_ids": 0}, seed=3, bucket_batches=2,
                                    pad_to_multiple_of=16).to_py_dataset()
    assert all(rounded[i]["input_ids"].shape[1] % 16 == 0 for i in range(5))
    assert rounded[0]["labels"].tolist() == expected[0][0]["labels"].tolist()
