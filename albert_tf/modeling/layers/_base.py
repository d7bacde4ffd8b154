"""Shared plumbing for layers configured by an AlbertConfig."""

from __future__ import annotations

import keras

from albert_tf.modeling.config import AlbertConfig


def initializer(config: AlbertConfig) -> keras.initializers.Initializer:
    """A fresh TruncatedNormal(stddev=initializer_range), as HF's `get_initializer`.

    A new instance per weight, because Keras 3 reuses the same values for a reused unseeded instance.
    """
    return keras.initializers.TruncatedNormal(stddev=config.initializer_range)


class ConfiguredMixin:
    """Config plumbing for a keras.layers.Layer whose whole state is an AlbertConfig (plus a few keyword fields).

    A mixin, so a layer can name `keras.layers.Layer` as a direct base, as HF's `TFAlbertMainLayer` does.
    """

    def __init__(self, config: AlbertConfig | dict, **kwargs):
        super().__init__(**kwargs)
        self.config = config if isinstance(config, AlbertConfig) else AlbertConfig.from_dict(config)

    def get_config(self):
        base = super().get_config()
        base["config"] = self.config.to_dict()
        return base

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ConfiguredLayer(ConfiguredMixin, keras.layers.Layer):
    """A keras.layers.Layer configured by an AlbertConfig."""
