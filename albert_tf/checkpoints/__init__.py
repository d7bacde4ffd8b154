"""Weight I/O: HF safetensors / h5 / PyTorch bin and google-research TF1 checkpoints, one name table."""

from albert_tf.checkpoints.formats import CheckpointError
from albert_tf.checkpoints.loading import MissingWeightsError, assign_weights, load_pretrained
from albert_tf.checkpoints.names import weight_table
from albert_tf.checkpoints.saving import pt_state_dict, save_pretrained, tf_state_dict

__all__ = [
    "CheckpointError",
    "MissingWeightsError",
    "assign_weights",
    "load_pretrained",
    "pt_state_dict",
    "save_pretrained",
    "tf_state_dict",
    "weight_table",
]
