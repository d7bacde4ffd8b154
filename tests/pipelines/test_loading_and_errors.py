"""How `pipeline` finds its model and tokenizer, the input forms it accepts, and its errors."""

import sys

import numpy as np
import pytest

from albert_tf.modeling import TFAlbertForPreTraining, TFAlbertForTokenClassification, TFAlbertModel
from albert_tf.pipelines import PipelineException, pipeline
from albert_tf.pipelines.runtime import tf_device_name
from albert_tf.tokenization import AlbertTokenizer
from tests.pipelines.conftest import wiki_sentences
from tests.pipelines._compare import assert_same


@pytest.fixture(scope="module")
def unmasker(model_dirs):
    return pipeline("fill-mask", model=model_dirs["masked_lm"][1])


def test_hub_id_without_network_says_so(model_dirs):
    # tests/conftest.py sets HF_HUB_OFFLINE=1: huggingface_hub is installed but may not download.
    with pytest.raises(OSError, match=r"Could not download 'albert-base-v2' from the hub"):
        pipeline("fill-mask", model="albert-base-v2")
    with pytest.raises(OSError, match=r"Could not download 'albert-base-v2' from the hub"):
        pipeline(model="albert-base-v2")  # the task would come from the checkpoint's config
    model = TFAlbertModel.from_pretrained(model_dirs["base"][1])
    with pytest.raises(OSError, match=r"Could not download 'albert-base-v2' from the hub"):
        pipeline("feature-extraction", model=model, tokenizer="albert-base-v2")


def test_hub_id_without_huggingface_hub_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # makes `import huggingface_hub` fail
    with pytest.raises(OSError, match="huggingface_hub"):
        pipeline("question-answering", model="albert-base-v2")


def test_task_inferred_from_checkpoint_architecture(model_dirs, unmasker):
    inferred = pipeline(model=model_dirs["masked_lm"][1])
    assert inferred.task == "fill-mask"
    text = "The [MASK] is a compound word."
    assert inferred(text) == unmasker(text)
    assert pipeline(model=model_dirs["qa"][1]).task == "question-answering"


def test_model_instance_with_tokenizer_instance_or_path(model_dirs):
    directory = model_dirs["token"][1]
    text = "Anarchism is a political philosophy that advocates self-governed societies."
    from_dir = pipeline("ner", model=directory, aggregation_strategy="simple")(text)
    model = TFAlbertForTokenClassification.from_pretrained(directory)
    with_instance = pipeline("ner", model=model, tokenizer=AlbertTokenizer.from_pretrained(directory),
                             aggregation_strategy="simple")(text)
    with_path = pipeline("token-classification", model=model, tokenizer=directory,
                         aggregation_strategy="simple")(text)
    assert with_instance == from_dir == with_path
    with pytest.raises(ValueError, match="tokenizer"):
        pipeline("ner", model=model)


def test_fill_mask_with_a_pretraining_model(model_dirs, hf_slow_tokenizer, unmasker):
    """A TFAlbertForPreTraining instance (MLM + SOP heads) fills masks with its MLM head; the oracle is HF's
    TF masked-LM pipeline on the same MLM weights."""
    import transformers

    directory = model_dirs["masked_lm"][1]
    pretraining = TFAlbertForPreTraining.from_pretrained(directory)  # SOP head absent: freshly initialised
    ours = pipeline("fill-mask", model=pretraining, tokenizer=directory)
    hf = transformers.pipeline("fill-mask", model=model_dirs["masked_lm"][0], tokenizer=hf_slow_tokenizer,
                               framework="tf")
    text = "The [MASK] of the word anarchy."
    assert_same(ours(text), hf(text))


def test_token_classification_accepts_given_offsets(model_dirs, hf_fast_tokenizer):
    """`offset_mapping` replaces the tokenizer's offsets; given the fast tokenizer's own, nothing changes."""
    ner = pipeline("ner", model=model_dirs["token"][1], ignore_labels=[])
    texts = wiki_sentences(limit=2)
    offsets = [[tuple(o) for o in hf_fast_tokenizer(t, return_offsets_mapping=True)["offset_mapping"]]
               for t in texts]
    assert ner(texts[0], offset_mapping=offsets[0]) == ner(texts[0])
    assert ner(texts, offset_mapping=offsets) == ner(texts)
    shifted = [(s + 1, e + 1) if e else (s, e) for s, e in offsets[0]]
    assert [e["start"] for e in ner(texts[0], offset_mapping=shifted)] == [s for s, e in shifted[1:-1]]
    with pytest.raises(ValueError, match="offset_mapping has"):
        ner(texts[0], offset_mapping=offsets[0][:-1])


def test_generator_and_batch_sizes_give_the_list_results(unmasker):
    texts = [s.replace(" is ", " [MASK] ", 1) for s in wiki_sentences(limit=400) if " is " in s][:7]
    expected = unmasker(texts, batch_size=1)  # one input per model call, as HF's TF pipelines ran
    assert_same(unmasker(texts, batch_size=7), expected)  # padding changes nothing but rounding
    results = unmasker(text for text in texts)
    assert not isinstance(results, list)  # a generator in, a generator out
    assert_same(list(results), expected)


def test_device_names():
    assert tf_device_name(None) is None
    assert tf_device_name(-1) == tf_device_name("cpu") == "/CPU:0"
    with pytest.raises(ValueError, match="TensorFlow sees 0 GPU"):
        tf_device_name("cuda:0")
    with pytest.raises(ValueError, match="TensorFlow sees 0 GPU"):
        tf_device_name(1)
    with pytest.raises(ValueError, match="not understood"):
        tf_device_name("tpu-ish")
    with pytest.raises(TypeError):
        tf_device_name(True)


def test_device_cpu_gives_default_results(model_dirs, unmasker):
    on_cpu = pipeline("fill-mask", model=model_dirs["masked_lm"][1], device=-1)
    assert on_cpu("A [MASK] day.") == unmasker("A [MASK] day.")


def test_bad_arguments_are_named(model_dirs, unmasker):
    with pytest.raises(ValueError, match="Unknown task 'summarization'"):
        pipeline("summarization", model=model_dirs["base"][1])
    with pytest.raises(ValueError, match="framework"):
        pipeline("fill-mask", model=model_dirs["masked_lm"][1], framework="pt")
    with pytest.raises(ValueError, match="model is required"):
        pipeline("fill-mask")
    base = TFAlbertModel.from_pretrained(model_dirs["base"][1])
    tokenizer = AlbertTokenizer.from_pretrained(model_dirs["base"][1])
    with pytest.raises(ValueError, match="TFAlbertForMaskedLM"):
        pipeline("fill-mask", model=base, tokenizer=tokenizer)
    with pytest.raises(ValueError, match="batch_size"):
        pipeline("fill-mask", model=model_dirs["masked_lm"][1], batch_size=0)
    with pytest.raises(TypeError, match="temperature"):
        unmasker("A [MASK] day.", temperature=2)
    with pytest.raises(ValueError, match="top_k"):
        unmasker("A [MASK] day.", top_k=0)


def test_bad_inputs_are_named(model_dirs, unmasker):
    long_text = " ".join(wiki_sentences(limit=20))
    with pytest.raises(PipelineException, match=r"No mask_token \(\[MASK\]\) found"):
        unmasker("No mask here.")
    with pytest.raises(ValueError, match=r"tokens long, but the model takes at most 64.*truncation"):
        unmasker("A [MASK] " + long_text)
    classifier = pipeline("text-classification", model=model_dirs["sequence"][1])
    with pytest.raises(ValueError, match="truncation=True"):
        classifier(long_text)
    with pytest.raises(ValueError, match="text pairs"):
        classifier([["a", "b"]])
    extractor = pipeline("feature-extraction", model=model_dirs["base"][1])
    with pytest.raises(ValueError, match="truncation=True"):
        extractor(long_text)
    with pytest.raises(TypeError, match="string"):
        extractor(42)

    qa = pipeline("question-answering", model=model_dirs["qa"][1])
    with pytest.raises(ValueError, match="`question` cannot be empty"):
        qa(question="", context="Some context.")
    with pytest.raises(ValueError, match="same lengths"):
        qa(question=["a?", "b?"], context=["c."])
    with pytest.raises(ValueError, match="doc_stride"):
        qa(question="What?", context=long_text, doc_stride=60)
    with pytest.raises(ValueError, match="max_seq_len"):
        qa(question="What?", context="Some context.", max_seq_len=65)
    with pytest.raises(ValueError, match="no room for the context"):
        qa(question=long_text, context="Some context.", max_question_len=64)
    with pytest.raises(ValueError, match="top_k"):
        qa(question="What?", context="Some context.", top_k=0)

    ner = pipeline("ner", model=model_dirs["token"][1])
    with pytest.raises(ValueError, match="aggregation_strategy"):
        ner(long_text, stride=8, aggregation_strategy="none")
    with pytest.raises(ValueError, match="stride"):
        ner(long_text, stride=62, aggregation_strategy="simple")
    with pytest.raises(ValueError, match="aggregation_strategy must be one of"):
        ner("text", aggregation_strategy="longest")


def test_question_longer_than_max_question_len_is_cut(model_dirs, hf_fast_tokenizer):
    """HF's documented `max_question_len` (its fast path skips it): the question keeps that many tokens.
    Oracle: HF's pipeline asked the question already cut at a word boundary."""
    import transformers

    qa = pipeline("question-answering", model=model_dirs["qa"][1])
    hf = transformers.pipeline("question-answering", model=model_dirs["qa"][0], tokenizer=hf_fast_tokenizer,
                               framework="tf")
    context = " ".join(wiki_sentences(limit=3))
    question = "what did the philosophy advocate for the societies described in the text"
    words = question.split(" ")
    cut = hf_fast_tokenizer(" ".join(words[:6]), add_special_tokens=False)["input_ids"]
    assert hf_fast_tokenizer(question, add_special_tokens=False)["input_ids"][:len(cut)] == cut
    ours = qa(question=question, context=context, max_question_len=len(cut), top_k=3)
    assert_same(ours, hf(question=" ".join(words[:6]), context=context, top_k=3))
    assert np.all([a["answer"] == context[a["start"]:a["end"]] for a in ours])
