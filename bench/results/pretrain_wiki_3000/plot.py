"""Plots the TensorBoard scalars of the learning run (read with albert_tf.pretraining.read_scalars)."""
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from albert_tf.pretraining import read_scalars

run = "/work/notes/pretrain_run/model"
train, held = read_scalars(f"{run}/train"), read_scalars(f"{run}/eval")
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, key in zip(axes, ("loss", "mlm_accuracy", "sop_accuracy")):
    ax.plot(*zip(*train[key]), label="train (interval mean)")
    ax.plot(*zip(*held[key]), "o-", label="held-out documents")
    ax.set_title(key); ax.set_xlabel("step"); ax.grid(alpha=0.3)
axes[1].axhline(held["unigram_mlm_accuracy"][-1][1], color="gray", ls="--", label="unigram baseline")
axes[2].axhline(held["majority_sop_accuracy"][-1][1], color="gray", ls="--", label="majority (chance)")
for ax in axes: ax.legend()
fig.tight_layout(); fig.savefig("/work/notes/pretrain_run/curves.png", dpi=80)
print({k: v[-1] for k, v in held.items()})
