"""The one table of ALBERT weight names: HF PyTorch, HF TF (h5 / TF safetensors) and google-research TF1.

Every checkpoint format is read into, and written from, one interchange form: a dict from the HF
PyTorch name to a numpy array in PyTorch layout (Linear weights are [out, in]). `weight_table` says,
for a given model, which variable each PyTorch name is and how its layout converts.

Example:
    >>> from albert_tf import AlbertConfig, TFAlbertForMaskedLM
    >>> model = TFAlbertForMaskedLM(AlbertConfig(vocab_size=30, embedding_size=8, hidden_size=16,
    ...     num_attention_heads=2, intermediate_size=32, num_hidden_layers=1))
    >>> entry = next(e for e in weight_table(model) if e.pt_name.endswith("attention.query.weight"))
    >>> entry.tf_name, entry.tf1_name
    ('albert/encoder/albert_layer_groups_._0/albert_layers_._0/attention/query/kernel', 'bert/encoder/transformer/group_0/inner_group_0/attention_1/self/query/kernel')
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable

import numpy as np

# Layouts: how a PyTorch-layout array becomes the Keras variable's value.
IDENTITY = "identity"  # embeddings, biases, LayerNorm parameters
LINEAR = "linear"  # nn.Linear weight [out, in] <-> Dense kernel [in, out]
QKV_KERNEL = "qkv_kernel"  # [heads*dim, H] <-> MultiHeadAttention kernel [H, heads, dim]
QKV_BIAS = "qkv_bias"  # [heads*dim] <-> [heads, dim]
ATTENTION_OUTPUT_KERNEL = "attention_output_kernel"  # [H, heads*dim] <-> [heads, dim, H]

# PyTorch names that mean the same tensor as a table entry (tied or duplicated by HF).
PT_ALIASES = {"predictions.decoder.bias": "predictions.bias"}
# PyTorch names that are tied copies we never need to read.
PT_TIED = ("predictions.decoder.weight",)
# TF1 names are [in, out] like Keras, except these, which are stored [out, in] like PyTorch.
TF1_PT_LAYOUT = ("cls/seq_relationship/output_weights", "output_weights")


@dataclasses.dataclass(frozen=True)
class WeightEntry:
    pt_name: str
    tf_name: str  # without the model-name prefix and ':0'
    tf1_name: str | None
    layout: str
    variable: object  # the Keras variable
    optional: bool  # True when a checkpoint may lack it (heads, pooler): then it keeps its initial value

    def to_keras(self, array: np.ndarray) -> np.ndarray:
        """PyTorch layout -> the variable's layout, checking the shape."""
        target = tuple(self.variable.shape)
        out = _to_keras(self.layout, np.asarray(array), target)
        if out is None or tuple(out.shape) != target:
            raise ValueError(
                f"Weight {self.pt_name!r} has shape {tuple(np.shape(array))} in the checkpoint, but the model "
                f"expects {_pt_shape(self.layout, target)} (Keras variable shape {target})"
            )
        return out

    def to_pt(self, value: np.ndarray) -> np.ndarray:
        value = np.asarray(value)
        if self.layout == LINEAR:
            return np.ascontiguousarray(value.T)
        if self.layout == QKV_KERNEL:
            hidden = value.shape[0]
            return np.ascontiguousarray(value.reshape(hidden, -1).T)
        if self.layout == QKV_BIAS:
            return value.reshape(-1)
        if self.layout == ATTENTION_OUTPUT_KERNEL:
            return np.ascontiguousarray(value.reshape(-1, value.shape[-1]).T)
        return value


def _to_keras(layout: str, array: np.ndarray, target: tuple) -> np.ndarray | None:
    try:
        if layout == LINEAR:
            return array.T if array.ndim == 2 else None
        if layout == QKV_KERNEL:
            return array.T.reshape(target) if array.ndim == 2 and array.T.shape[0] == target[0] else None
        if layout == QKV_BIAS:
            return array.reshape(target) if array.ndim == 1 else None
        if layout == ATTENTION_OUTPUT_KERNEL:
            return array.T.reshape(target) if array.ndim == 2 and array.shape[0] == target[-1] else None
        return array
    except ValueError:
        return None


def _pt_shape(layout: str, target: tuple) -> tuple:
    if layout == LINEAR:
        return tuple(reversed(target))
    if layout == QKV_KERNEL:
        return (target[1] * target[2], target[0])
    if layout == QKV_BIAS:
        return (target[0] * target[1],)
    if layout == ATTENTION_OUTPUT_KERNEL:
        return (target[2], target[0] * target[1])
    return target


def _dense(pt: str, tf: str, tf1: str | None, layer, optional: bool, kernel_layout: str = LINEAR,
           bias_layout: str = IDENTITY, tf1_kernel: str = "kernel", tf1_bias: str = "bias") -> list[WeightEntry]:
    def tf1_name(leaf: str) -> str | None:
        return None if tf1 is None else "/".join(p for p in (tf1, leaf) if p)

    return [
        WeightEntry(f"{pt}.weight", f"{tf}/kernel", tf1_name(tf1_kernel), kernel_layout, layer.kernel, optional),
        WeightEntry(f"{pt}.bias", f"{tf}/bias", tf1_name(tf1_bias), bias_layout, layer.bias, optional),
    ]


def _norm(pt: str, tf: str, tf1: str | None, layer, optional: bool) -> list[WeightEntry]:
    return [
        WeightEntry(f"{pt}.weight", f"{tf}/gamma", tf1 and f"{tf1}/gamma", IDENTITY, layer.gamma, optional),
        WeightEntry(f"{pt}.bias", f"{tf}/beta", tf1 and f"{tf1}/beta", IDENTITY, layer.beta, optional),
    ]


def backbone_table(albert) -> list[WeightEntry]:
    """Entries of an AlbertMainLayer (HF prefix `albert.`)."""
    emb = albert.embeddings
    entries = [
        WeightEntry("albert.embeddings.word_embeddings.weight", "albert/embeddings/word_embeddings/weight",
                    "bert/embeddings/word_embeddings", IDENTITY, emb.word_embeddings.embeddings, False),
        WeightEntry("albert.embeddings.position_embeddings.weight", "albert/embeddings/position_embeddings/embeddings",
                    "bert/embeddings/position_embeddings", IDENTITY, emb.position_embeddings.embeddings, False),
        WeightEntry("albert.embeddings.token_type_embeddings.weight",
                    "albert/embeddings/token_type_embeddings/embeddings",
                    "bert/embeddings/token_type_embeddings", IDENTITY, emb.token_type_embeddings.embeddings, False),
    ]
    entries += _norm("albert.embeddings.LayerNorm", "albert/embeddings/LayerNorm", "bert/embeddings/LayerNorm",
                     emb.layer_norm, False)
    enc = albert.encoder
    entries += _dense("albert.encoder.embedding_hidden_mapping_in", "albert/encoder/embedding_hidden_mapping_in",
                      "bert/encoder/embedding_hidden_mapping_in", enc.embedding_hidden_mapping_in, False)
    for g, group in enumerate(enc.albert_layer_groups):
        for i, layer in enumerate(group.albert_layers):
            pt = f"albert.encoder.albert_layer_groups.{g}.albert_layers.{i}"
            tf = f"albert/encoder/albert_layer_groups_._{g}/albert_layers_._{i}"
            tf1 = f"bert/encoder/transformer/group_{g}/inner_group_{i}"
            mha = layer.attention
            for part, dense in (("query", mha.query_dense), ("key", mha.key_dense), ("value", mha.value_dense)):
                entries += _dense(f"{pt}.attention.{part}", f"{tf}/attention/{part}", f"{tf1}/attention_1/self/{part}",
                                  dense, False, QKV_KERNEL, QKV_BIAS)
            entries += _dense(f"{pt}.attention.dense", f"{tf}/attention/dense", f"{tf1}/attention_1/output/dense",
                              mha.output_dense, False, ATTENTION_OUTPUT_KERNEL)
            entries += _norm(f"{pt}.attention.LayerNorm", f"{tf}/attention/LayerNorm", f"{tf1}/LayerNorm",
                             layer.attention_layer_norm, False)
            entries += _dense(f"{pt}.ffn", f"{tf}/ffn", f"{tf1}/ffn_1/intermediate/dense", layer.ffn, False)
            entries += _dense(f"{pt}.ffn_output", f"{tf}/ffn_output", f"{tf1}/ffn_1/intermediate/output/dense",
                              layer.ffn_output, False)
            entries += _norm(f"{pt}.full_layer_layer_norm", f"{tf}/full_layer_layer_norm", f"{tf1}/LayerNorm_1",
                             layer.full_layer_layer_norm, False)
    if albert.pooler is not None:
        entries += _dense("albert.pooler", "albert/pooler", "bert/pooler/dense", albert.pooler, True)
    return entries


def _mlm_table(head) -> list[WeightEntry]:
    entries = _dense("predictions.dense", "predictions/dense", "cls/predictions/transform/dense", head.dense, True)
    entries += _norm("predictions.LayerNorm", "predictions/LayerNorm", "cls/predictions/transform/LayerNorm",
                     head.layer_norm, True)
    entries.append(WeightEntry("predictions.bias", "predictions/decoder/bias", "cls/predictions/output_bias",
                               IDENTITY, head.bias, True))
    return entries


# Head tables per model class name: attribute layout of our heads -> HF names.
def _head_table(model) -> list[WeightEntry]:
    kind = type(model).__name__
    if kind == "TFAlbertForPreTraining":
        return _mlm_table(model.predictions) + _dense(
            "sop_classifier.classifier", "sop_classifier/classifier", "cls/seq_relationship", model.sop_classifier.classifier,
            True, tf1_kernel="output_weights", tf1_bias="output_bias")
    if kind == "TFAlbertForMaskedLM":
        return _mlm_table(model.predictions)
    if kind == "TFAlbertForSequenceClassification":
        # google-research's run_classifier.py names its head output_weights [labels, H] / output_bias.
        return _dense("classifier", "classifier", "", model.classifier, True,
                      tf1_kernel="output_weights", tf1_bias="output_bias")
    if kind in ("TFAlbertForTokenClassification", "TFAlbertForMultipleChoice"):
        return _dense("classifier", "classifier", None, model.classifier, True)
    if kind == "TFAlbertForQuestionAnswering":
        return _dense("qa_outputs", "qa_outputs", None, model.qa_outputs, True)
    return []


def weight_table(model) -> list[WeightEntry]:
    """All entries of one of the seven models, backbone first."""
    return backbone_table(model.albert) + _head_table(model)


# -- name conversions between formats ------------------------------------------------------------
_TF_LAST = {"kernel": "weight", "gamma": "weight", "beta": "bias", "embeddings": "weight", "weight": "weight",
            "bias": "bias"}


def tf_to_pt_name(tf_name: str) -> tuple[str, bool]:
    """HF's TF -> PyTorch name rule. Returns (pt_name, needs_transpose).

    >>> tf_to_pt_name("tf_albert_model/albert/encoder/albert_layer_groups_._0/albert_layers_._1/ffn/kernel:0")
    ('albert.encoder.albert_layer_groups.0.albert_layers.1.ffn.weight', True)
    """
    name = tf_name.replace(":0", "")
    name = strip_tf_model_prefix(name)
    parts = re.sub(r"//+", "/", name.replace("_._", "/")).split("/")
    last = parts[-1]
    parts[-1] = _TF_LAST.get(last, last)
    return ".".join(parts), last == "kernel"


_TF_ROOTS = ("albert", "predictions", "sop_classifier", "classifier", "qa_outputs")


def strip_tf_model_prefix(name: str) -> str:
    """Drops HF's leading Keras model name (`tf_albert_for_masked_lm/...`) when present."""
    first, _, rest = name.partition("/")
    return rest if rest and first not in _TF_ROOTS else name


def normalize_pt_names(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Adds HF's `albert.` base prefix when a checkpoint comes from a bare AlbertModel, and resolves aliases."""
    has_prefix = any(k.startswith("albert.") for k in state)
    out: dict[str, np.ndarray] = {}
    for key, value in state.items():
        if not has_prefix and key.split(".")[0] in ("embeddings", "encoder", "pooler"):
            key = "albert." + key
        if key in PT_TIED:
            continue
        if key in PT_ALIASES:
            # The decoder bias is the one HF uses for logits; it wins over the tied/unused alias.
            out[PT_ALIASES[key]] = value
            continue
        out.setdefault(key, value)
    return out


def entries_by_pt_name(entries: list[WeightEntry]) -> dict[str, WeightEntry]:
    return {e.pt_name: e for e in entries}


TransformFn = Callable[[np.ndarray], np.ndarray]
