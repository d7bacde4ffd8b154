"""Plots the TensorBoard scalars of the learning run (read with albert_tf.pretraining.read_scalars).

Usage: python bench/results/pretrain_wiki_3000/plot.py OUT   (OUT as given to run.sh; writes OUT/curves.png)
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from albert_tf.pretraining import read_scalars  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "run")
run = os.path.join(out, "model")
train, held = read_scalars(os.path.join(run, "train")), read_scalars(os.path.join(run, "eval"))
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, key in zip(axes, ("loss", "mlm_accuracy", "sop_accuracy")):
    ax.plot(*zip(*train[key]), label="train (interval mean)")
    ax.plot(*zip(*held[key]), "o-", label="held-out documents")
    ax.set_title(key)
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
axes[1].axhline(held["unigram_mlm_accuracy"][-1][1], color="gray", ls="--", label="unigram baseline")
axes[2].axhline(held["majority_sop_accuracy"][-1][1], color="gray", ls="--", label="majority (chance)")
for ax in axes:
    ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(out, "curves.png"), dpi=80)
print({k: v[-1] for k, v in held.items()})
