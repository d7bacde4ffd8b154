"""Keras 3 layers that make up ALBERT, one file per role."""

from albert_tf.modeling.layers.embeddings import AlbertEmbeddings
from albert_tf.modeling.layers.heads import AlbertMLMHead, AlbertSOPHead
from albert_tf.modeling.layers.transformer import AlbertLayer, AlbertLayerGroup, AlbertTransformer

__all__ = [
    "AlbertEmbeddings",
    "AlbertLayer",
    "AlbertLayerGroup",
    "AlbertMLMHead",
    "AlbertSOPHead",
    "AlbertTransformer",
]
