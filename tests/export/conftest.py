"""Session fixtures: a small SentencePiece model trained on the bundled reviews, one tiny random model per
task, and their exports (plus a pair classifier, a regressor and an ids-only export)."""

import os

import pytest
import tensorflow_text  # noqa: F401  (tests load text-in exports in-process: their ops must be registered)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "data")

MAX_LENGTH = 32  # small, so the long inputs below are truncated
# initializer_range 0.2 (HF: 0.02) spreads the random logits, so argmax/top-k rarely face float32 ties.
TINY = dict(embedding_size=8, hidden_size=16, num_attention_heads=2, intermediate_size=32, num_hidden_layers=2,
            max_position_embeddings=64, initializer_range=0.2)
LABELS = {
    "sequence_classification": {0: "negative", 1: "neutral", 2: "positive"},
    "token_classification": {0: "O", 1: "B-ORG", 2: "I-ORG", 3: "B-LOC"},
}


def _long_paragraph() -> str:
    with open(os.path.join(DATA, "wiki_sample.txt"), encoding="utf-8") as f:
        for line in f:
            if len(line.split()) > 80:
                return line.strip()
    raise AssertionError("data/wiki_sample.txt has no long paragraph")


LONG = _long_paragraph()
TEXTS = [
    "A quiet, moving film.",
    "Le café était très animé à Montréal, près de l'église.",
    LONG,
    "Bad.",
    "The plot is thin, but the cast carries it with wit and charm",
]
PAIRS = ["It never overstays its welcome.", "Señor Núñez agreed.", "Skip it.", LONG, "Still, the ending lands."]
MASKED = [
    "Hello I'm a [MASK] model.",
    "The [MASK] was très [MASK] à Montréal.",
    "[MASK] " + LONG,
    "[MASK].",
    "A quiet, moving [MASK] about a [MASK] that learns to [MASK].",
]
QUESTIONS = ["Who carries the film?", "Où était le café?", "What is this about?", "Qui?", "Is it worth it?"]
CONTEXTS = [
    "The plot is thin, but the cast carries it with wit and charm.",
    "Le café était très animé à Montréal, près de l'église Notre-Dame.",
    LONG,
    "Zoë Saldaña and Renée Zellweger star in a café in São Paulo.",
    "Critics agreed that it was not worth the ticket.",
]
CHOICES = [
    ["The cast.", "The plot.", "Nobody at all, sadly."],
    ["À Montréal.", "In a very long and winding street of the old town", "Nowhere."],
    ["History.", "A storm.", LONG],
    ["Zoë.", "Renée.", "São Paulo."],
    ["Yes.", "No.", "Maybe."],
]


def text_inputs(task: str, text_pair: bool = False) -> dict:
    """The parity batch for ``task``'s serving_default (5 rows of different lengths)."""
    import numpy as np

    if task == "question_answering":
        return {"question": np.array(QUESTIONS, object), "context": np.array(CONTEXTS, object)}
    if task == "multiple_choice":
        return {"question": np.array(QUESTIONS, object), "choices": np.array(CHOICES, object)}
    if task in ("masked_lm", "pretraining"):
        out = {"text": np.array(MASKED, object)}
        if task == "pretraining":
            out["text_pair"] = np.array(PAIRS, object)
        return out
    out = {"text": np.array(TEXTS, object)}
    if text_pair:
        out["text_pair"] = np.array(PAIRS, object)
    return out


@pytest.fixture(scope="session")
def spm_dir(tmp_path_factory):
    from albert_tf.tokenization import train_tokenizer

    out = str(tmp_path_factory.mktemp("export_spm"))
    train_tokenizer([os.path.join(DATA, "reviews.csv"), os.path.join(DATA, "wiki_sample.txt")], 1000, out,
                    max_lines=6000)
    return out


@pytest.fixture(scope="session")
def tokenizer(spm_dir):
    from albert_tf.tokenization import AlbertTokenizer

    return AlbertTokenizer.from_pretrained(spm_dir)


def make_model(task: str, vocab_size: int, num_labels: int | None = None, seed: int = 0, **config):
    import keras

    from albert_tf import modeling
    from albert_tf.export.signatures import TASK_MODEL_CLASSES

    keras.utils.set_random_seed(seed)
    kwargs = dict(TINY, vocab_size=vocab_size, **config)
    if task in LABELS and num_labels is None:
        kwargs["id2label"] = LABELS[task]
    elif num_labels is not None:
        kwargs["num_labels"] = num_labels
    config = modeling.AlbertConfig(**kwargs)
    return getattr(modeling, TASK_MODEL_CLASSES[task])(config)


class Export:
    def __init__(self, key, task, model, path, text_pair=False, ids_only=False):
        self.key, self.task, self.model, self.path = key, task, model, path
        self.text_pair, self.ids_only = text_pair, ids_only

    def __repr__(self):
        return f"Export({self.key})"


# key -> (task, export options, model overrides)
VARIANTS = {
    "base": ("base", {}, {}),
    "pretraining": ("pretraining", {}, {}),
    "masked_lm": ("masked_lm", {}, {}),
    "sequence_classification": ("sequence_classification", {"text_pair": True}, {}),
    "regression": ("sequence_classification", {}, {"num_labels": 1}),
    "multiple_choice": ("multiple_choice", {}, {}),
    "token_classification": ("token_classification", {}, {}),
    "question_answering": ("question_answering", {}, {}),
    "ids_only": ("sequence_classification", {"ids_only": True}, {}),
}


# Session scope: under `make test`'s xdist workers (--dist loadfile) a worker that comes back to
# tests/export after another package would otherwise export all nine variants again (minutes each time).
@pytest.fixture(scope="session")
def exports(tmp_path_factory, tokenizer):
    """key -> Export, every variant exported once to BASE/<key>/1."""
    from albert_tf.export import export_saved_model

    base = tmp_path_factory.mktemp("models")
    result = {}
    for seed, (key, (task, options, overrides)) in enumerate(VARIANTS.items()):
        model = make_model(task, tokenizer.vocab_size, seed=seed, **overrides)
        # Warmup replay is tested on the loaded exports (test_warmup_and_quality) and by the CLI export.
        path = export_saved_model(model, tokenizer, str(base / key), task=task, max_length=MAX_LENGTH,
                                  verify_warmup=False, **options)
        result[key] = Export(key, task, model, path, options.get("text_pair", False), options.get("ids_only", False))
    return result


@pytest.fixture(scope="package")
def loaded(exports):
    """key -> the export loaded with tf.saved_model.load, cached so tests share one load per export.

    Grappler is off while these in-process tests run: it spends seconds on every first call of a
    tokenizer graph and changes no result. The TF Serving path (fresh_process_runner.py, the CLI tests and
    the export-time warmup replay) keeps it on. The setting is restored when the package's tests end.
    """
    import tensorflow as tf

    previous = tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    cache = {}

    def load(key):
        if key not in cache:
            cache[key] = tf.saved_model.load(exports[key].path)
        return cache[key]

    yield load
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": previous})
