#!/bin/bash
# Acceptance 4 (learning): a small ALBERT pretrained on the Wikipedia sample; held-out documents for eval.
# Usage: bench/results/pretrain_wiki_3000/run.sh [OUT]   (OUT defaults to bench/results/pretrain_wiki_3000/run,
# which git ignores; the run's TensorBoard logs, metrics.jsonl and model land there; plot.py OUT draws curves.png)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../../.." && pwd)"
OUT="${1:-$REPO/bench/results/pretrain_wiki_3000/run}"
PY="$REPO/.venv/bin/python"
cd "$REPO"
export KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=2 HF_HUB_OFFLINE=1
mkdir -p "$OUT/data"
# Split documents (blank-line separated): last 10 documents are held out.
OUT="$OUT" $PY - <<'PY'
import os
out = os.environ["OUT"]
docs = open("data/wiki_sample.txt", encoding="utf-8").read().split("\n\n")
docs = [d.strip() for d in docs if d.strip()]
open(os.path.join(out, "data", "train.txt"), "w").write("\n\n".join(docs[:-10]) + "\n")
open(os.path.join(out, "data", "heldout.txt"), "w").write("\n\n".join(docs[-10:]) + "\n")
print(len(docs), "documents;", len(docs) - 10, "train, 10 held out")
PY
$PY -m albert_tf.cli train-tokenizer --input="$OUT/data/train.txt" --vocab_size=5000 --output_dir="$OUT/spm"
$PY -m albert_tf.cli create-pretraining-data --input_file="$OUT/data/train.txt" --spm_model_file="$OUT/spm/spiece.model" \
  --output_file="$OUT/data/train" --max_seq_length=128 --max_predictions_per_seq=20 --ngram=3 --dupe_factor=10 \
  --random_seed=12345 --num_shards=4
$PY -m albert_tf.cli create-pretraining-data --input_file="$OUT/data/heldout.txt" --spm_model_file="$OUT/spm/spiece.model" \
  --output_file="$OUT/data/heldout" --max_seq_length=128 --max_predictions_per_seq=20 --ngram=3 --dupe_factor=2 \
  --random_seed=777 --num_shards=1
$PY -m albert_tf.cli pretrain --model_config=albert-base-v2 \
  --config_overrides=hidden_size=128,num_attention_heads=2,intermediate_size=512,num_hidden_layers=4,embedding_size=128 \
  --train_files="$OUT/data/train-*.tfrecord" --eval_files="$OUT/data/heldout-*.tfrecord" --eval_every_steps=500 \
  --eval_steps=20 --tokenizer="$OUT/spm" --model_dir="$OUT/model" --global_batch_size=64 --num_train_steps=3000 \
  --warmup_steps=300 --learning_rate=0.005 --optimizer=lamb --steps_per_execution=10 --log_every_steps=50 \
  --save_checkpoints_steps=500 --progress_bar=false
$PY "$REPO/bench/results/pretrain_wiki_3000/plot.py" "$OUT"
