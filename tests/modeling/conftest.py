"""Fixtures for modeling tests: small configs and inputs with padding."""

import numpy as np
import pytest

# Three shapes the acceptance asks for: grouped sharing, E == H, and the released layout (1 group).
SMALL_CONFIGS = {
    "groups2_inner2": dict(vocab_size=61, embedding_size=8, hidden_size=16, num_attention_heads=2,
                           intermediate_size=24, num_hidden_layers=4, num_hidden_groups=2, inner_group_num=2),
    "embedding_eq_hidden": dict(vocab_size=61, embedding_size=16, hidden_size=16, num_attention_heads=4,
                                intermediate_size=32, num_hidden_layers=2),
    "released_layout": dict(vocab_size=61, embedding_size=12, hidden_size=24, num_attention_heads=3,
                            intermediate_size=48, num_hidden_layers=3, hidden_act="gelu_new",
                            max_position_embeddings=32, type_vocab_size=2),
}


def num_labels_for(model_name: str) -> int:
    return 2 if model_name.endswith(("QuestionAnswering", "PreTraining")) else 3


def make_inputs(model_name: str, seed: int = 0, vocab_size: int = 61):
    """A batch with right padding (different lengths) and two segments."""
    rng = np.random.default_rng(seed)
    lengths = [7, 4, 6]
    seq = 8
    ids = np.zeros((3, seq), np.int32)
    types = np.zeros((3, seq), np.int32)
    for row, length in enumerate(lengths):
        ids[row, :length] = rng.integers(5, vocab_size, length)
        ids[row, 0], ids[row, length - 1] = 2, 3
        types[row, length // 2:length] = 1
    mask = (ids != 0).astype(np.int32)
    inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    if model_name.endswith("MultipleChoice"):
        inputs = {k: np.stack([v, np.roll(v, 1, axis=0)], axis=1) for k, v in inputs.items()}
    return inputs


def make_labels(model_name: str, inputs, num_labels: int, seed: int = 0, vocab_size: int = 61):
    rng = np.random.default_rng(seed + 1)
    batch, seq = inputs["input_ids"].shape[0], inputs["input_ids"].shape[-1]
    if model_name.endswith(("MaskedLM", "PreTraining")):
        labels = np.where(rng.random((batch, seq)) < 0.4, rng.integers(0, vocab_size, (batch, seq)), -100)
        labels[:, 1] = 7  # at least one real label per row
        out = {"labels": labels.astype(np.int32)}
        if model_name.endswith("PreTraining"):
            out["sentence_order_label"] = rng.integers(0, 2, batch).astype(np.int32)
        return out
    if model_name.endswith("TokenClassification"):
        labels = rng.integers(0, num_labels, (batch, seq)).astype(np.int32)
        return {"labels": np.where(inputs["attention_mask"] == 1, labels, -100)}
    if model_name.endswith("QuestionAnswering"):
        return {"start_positions": rng.integers(0, seq, batch).astype(np.int32),
                "end_positions": rng.integers(0, seq, batch).astype(np.int32)}
    if model_name.endswith("MultipleChoice"):
        return {"labels": rng.integers(0, 2, batch).astype(np.int32)}
    if model_name.endswith("SequenceClassification"):
        return {"labels": rng.integers(0, num_labels, batch).astype(np.int32)}
    return {}


@pytest.fixture(params=sorted(SMALL_CONFIGS))
def small_config(request):
    return dict(SMALL_CONFIGS[request.param])
