"""The tf.data reader: layout, per-worker sharding, exact skip-based resume, in-graph dynamic masking."""

import math

import numpy as np
import pytest
import tensorflow as tf

from albert_tf.pretraining import iterate_records, pretraining_dataset, unmask
from albert_tf.tokenization import constants
from tests.pretraining.conftest import records_glob


def _take(dataset, n):
    return [{k: v.numpy() for k, v in batch.items()} for batch in dataset.take(n)]


def _keys(batches):
    """Each example identified by its (statically masked) ids: unique per record in practice."""
    return [row.tobytes() for batch in batches for row in batch["input_ids"]]


def test_batches_have_the_model_layout(tiny_records):
    batch = _take(pretraining_dataset(records_glob(tiny_records), 4, seed=1), 1)[0]
    assert sorted(batch) == sorted(["input_ids", "input_mask", "segment_ids", "masked_lm_positions",
                                    "masked_lm_ids", "masked_lm_weights", "sentence_order_label"])
    assert batch["input_ids"].shape == (4, 64) and batch["input_ids"].dtype == np.int32
    assert batch["masked_lm_positions"].shape == (4, 10)
    assert batch["masked_lm_weights"].dtype == np.float32
    assert batch["sentence_order_label"].shape == (4,)


def test_one_ordered_pass_reads_every_record_once(tiny_records):
    batches = _take(pretraining_dataset(records_glob(tiny_records), 7, is_training=False, drop_remainder=False), -1)
    stored = [r["input_ids"] for r in iterate_records(tiny_records.output_files)]
    assert sum(len(b["input_ids"]) for b in batches) == tiny_records.num_instances == len(stored)


@pytest.mark.parametrize("num_pipelines", [2, 3])  # 2: shard files (2 files); 3: shard records
def test_pipelines_read_disjoint_shares_that_cover_everything(tiny_records, num_pipelines):
    shares = []
    for pipeline in range(num_pipelines):
        context = tf.distribute.InputContext(num_input_pipelines=num_pipelines, input_pipeline_id=pipeline,
                                             num_replicas_in_sync=num_pipelines)
        dataset = pretraining_dataset(records_glob(tiny_records), 64, input_context=context, is_training=False,
                                      drop_remainder=False)
        shares.append(_keys(_take(dataset, -1)))
    everything = _keys(_take(pretraining_dataset(records_glob(tiny_records), 64, is_training=False,
                                                 drop_remainder=False), -1))
    assert sorted(k for share in shares for k in share) == sorted(everything)
    assert all(abs(len(s) - len(everything) / num_pipelines) <= len(everything) * 0.1 for s in shares)


@pytest.mark.parametrize("dynamic", [False, True])
def test_skipping_resumes_the_same_stream(tiny_records, dynamic):
    """Resuming at step k (skip k batches of records) yields what the uninterrupted stream yields next."""
    kwargs = dict(seed=3, shuffle_buffer_size=50, dynamic_masking=dynamic, vocab_size=1000)
    # Past one epoch (the tiny set holds ~500 records), so reshuffling across epochs is covered too.
    full = _take(pretraining_dataset(records_glob(tiny_records), 32, **kwargs), 20)
    resumed = _take(pretraining_dataset(records_glob(tiny_records), 32, skip_examples=32 * 17, **kwargs), 3)
    for a, b in zip(full[17:], resumed):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    other_seed = _take(pretraining_dataset(records_glob(tiny_records), 32, **dict(kwargs, seed=4)), 1)
    assert not np.array_equal(other_seed[0]["input_ids"], full[0]["input_ids"])


def test_dynamic_masking_follows_the_recipe(tiny_records):
    dataset = pretraining_dataset(records_glob(tiny_records), 32, is_training=False, dynamic_masking=True,
                                  vocab_size=1000, drop_remainder=False)
    stored = pretraining_dataset(records_glob(tiny_records), 32, is_training=False, drop_remainder=False)
    counts = {"mask": 0, "keep": 0, "random": 0}
    exact = rows = changed = 0
    for new, old in zip(dataset, stored):
        new = {k: v.numpy() for k, v in new.items()}
        old = {k: v.numpy() for k, v in old.items()}
        original = unmask({k: tf.constant(v) for k, v in old.items()}).numpy()
        np.testing.assert_array_equal(unmask({k: tf.constant(v) for k, v in new.items()}).numpy(), original)
        for row in range(len(original)):
            length = int(old["input_mask"][row].sum())
            len_a = int((old["segment_ids"][row][:length] == 0).sum())
            real = new["masked_lm_weights"][row] > 0
            positions = new["masked_lm_positions"][row][real]
            assert (np.diff(positions) > 0).all()
            assert not set(positions.tolist()) & {0, len_a - 1, length - 1}, "never [CLS]/[SEP]"
            budget = min(10, max(1, round(0.15 * length)))
            assert len(positions) <= budget
            exact += len(positions) == budget
            rows += 1
            changed += not np.array_equal(positions, old["masked_lm_positions"][row][old["masked_lm_weights"][row] > 0])
            untouched = np.setdiff1d(np.arange(64), positions)
            np.testing.assert_array_equal(new["input_ids"][row][untouched], original[row][untouched])
            shown, label = new["input_ids"][row][positions], original[row][positions]
            np.testing.assert_array_equal(new["masked_lm_ids"][row][real], label)
            counts["mask"] += int((shown == constants.MASK_ID).sum())
            counts["keep"] += int((shown == label).sum())
            counts["random"] += int(((shown != constants.MASK_ID) & (shown != label)).sum())
            assert (shown[shown != constants.MASK_ID] >= 5).all() or (shown == label).all()
    assert exact / rows > 0.95
    assert changed / rows > 0.9, "new masks, not the stored ones"
    total = sum(counts.values())
    for kind, share in (("mask", 0.8), ("keep", 0.1), ("random", 0.1)):
        assert abs(counts[kind] / total - share) < 4 * math.sqrt(share * (1 - share) / total), counts


def test_dynamic_masks_are_whole_words(tiny_records):
    path = tiny_records.output_files[0]
    dataset = pretraining_dataset(path, 64, is_training=False, dynamic_masking=True, vocab_size=1000,
                                  drop_remainder=False)
    records = iter(iterate_records([path]))  # one file, unshuffled: the same order
    for batch in dataset:
        for row in range(batch["input_ids"].shape[0]):
            record = next(records)
            boundary = record["token_boundary"]
            length = int(record["input_mask"].sum())
            special = {0, int((record["segment_ids"][:length] == 0).sum()) - 1, length - 1}
            real = batch["masked_lm_weights"][row].numpy() > 0
            masked = set(batch["masked_lm_positions"][row].numpy()[real].tolist())
            for p in masked:
                if not boundary[p] and p - 1 not in special:
                    assert p - 1 in masked, p
                if p + 1 < length and not boundary[p + 1] and p + 1 not in special:
                    assert p + 1 in masked, p
    assert next(records, None) is None


def test_dynamic_masking_needs_vocab_size(tiny_records):
    with pytest.raises(ValueError, match="vocab_size"):
        pretraining_dataset(records_glob(tiny_records), 4, dynamic_masking=True)


def test_bad_patterns_and_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no pretraining record file matches"):
        pretraining_dataset(str(tmp_path / "none-*.tfrecord"), 4)
    bogus = tmp_path / "bogus.tfrecord"
    with tf.io.TFRecordWriter(str(bogus)) as writer:
        writer.write(tf.train.Example().SerializeToString())
    with pytest.raises(ValueError, match="not a pretraining record file"):
        pretraining_dataset(str(bogus), 4)
