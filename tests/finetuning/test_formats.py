"""Readers of the four data formats: the fixtures parse as written, and every malformed row is reported
with its file, line and reason."""

import csv
import json
import os

import pytest

from albert_tf import AlbertConfig
from albert_tf.finetuning import DataFormatError, get_task, train_dev_split
from tests.finetuning.conftest import DATA, fixture

CLS = get_task("sequence_classification")
NER = get_task("token_classification")
QA = get_task("question_answering")
MC = get_task("multiple_choice")


def _write(tmp_path, name, text, mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def _fails(reader, path, line, reason):
    with pytest.raises(DataFormatError) as info:
        reader(path)
    err = info.value
    assert err.path == path
    assert err.line == line, str(err)
    assert reason in err.reason, str(err)
    assert str(err).startswith(f"{path}:{line}: " if line is not None else f"{path}: ")
    return err


# ------------------------------------------------------------------------------ the fixtures parse
def test_reviews_fixture_matches_the_bundled_csv():
    examples = CLS.read(fixture("reviews_train.csv"))
    assert len(examples) == 40
    assert {e.label for e in examples} == {"fresh", "rotten"}
    with open(os.path.join(DATA, "reviews.csv"), encoding="utf-8", newline="") as f:
        bundled = {(r["label"], r["text"]) for r in csv.DictReader(f)}
    assert all((e.label, e.text) in bundled for e in examples)
    assert examples[0].line == 2 and examples[0].text_pair is None


def test_label_ids_sorted_and_reused(tmp_path):
    examples = CLS.read(fixture("reviews_train.csv"))
    overrides = CLS.label_config(examples, None, None)
    assert overrides["id2label"] == {0: "fresh", 1: "rotten"}
    # Integer-like labels sort numerically, not as strings.
    path = _write(tmp_path, "n.jsonl", "".join(json.dumps({"text": "t", "label": l}) + "\n" for l in (10, 2, 1)))
    assert CLS.label_config(CLS.read(path), None, None)["id2label"] == {0: "1", 1: "2", 2: "10"}
    # A fine-tuned model's own label ids are kept when the data's labels are among them.
    tuned = AlbertConfig(id2label={0: "rotten", 1: "fresh"})
    assert CLS.label_config(examples, tuned, None)["id2label"] == {0: "rotten", 1: "fresh"}


def test_pairs_and_regression_jsonl():
    examples = CLS.read(fixture("similarity.jsonl"), regression=True)
    assert len(examples) == 20 and all(isinstance(e.label, float) and e.text_pair for e in examples)
    assert CLS.label_config(examples, None, 1) == {"id2label": {0: "LABEL_0"}, "problem_type": "regression"}


def test_tsv(tmp_path):
    path = _write(tmp_path, "d.tsv", 'text\ttext_pair\tlabel\nHe said "no"\tShe left\tneutral\n\nok\t\tpositive\n')
    examples = CLS.read(path)
    assert [(e.text, e.text_pair, e.label, e.line) for e in examples] == [
        ('He said "no"', "She left", "neutral", 2), ("ok", None, "positive", 4)]


def test_conll_fixture():
    sentences = NER.read(fixture("ner_train.conll"))
    assert len(sentences) == 28
    first = sentences[0]
    assert first.words[:5] == ["Neil", "Armstrong", "and", "Buzz", "Aldrin"]
    assert first.tags[:5] == ["B-PER", "I-PER", "O", "B-PER", "I-PER"]  # last of the four columns
    assert first.line == 3 and first.word_lines[:2] == [3, 4]
    assert "-DOCSTART-" not in {w for s in sentences for w in s.words}
    tags = NER.label_config(sentences, None, None)["id2label"]
    assert tags[0] == "O" and set(tags.values()) == {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG",
                                                     "B-MISC", "I-MISC"}


def test_squad_fixtures():
    v1 = QA.read(fixture("squad_v1.1_train.json"))
    assert len(v1) == 14 and not any(e.version_2 for e in v1)
    v2 = QA.read(fixture("squad_v2.0_train.json"))
    assert sum(e.is_impossible for e in v2) == 5 and all(e.version_2 for e in v2)
    for e in v1 + v2:
        for text, start in e.answers:
            assert e.context[start:start + len(text)] == text
    dev = QA.read(fixture("squad_v1.1_dev.json"))
    assert max(len(e.answers) for e in dev) == 3  # dev-style questions with several gold answers
    assert dev[0].line == 11  # line of the question's "id" in the file


def test_multiple_choice_fixture():
    examples = MC.read(fixture("mc_train.jsonl"))
    assert len(examples) == 20
    assert examples[0].label == 1  # given as the text "Neil Armstrong"
    assert examples[-1].context is not None and examples[0].context is None


# ------------------------------------------------------------------------------ malformed rows
@pytest.mark.parametrize("name,text,line,reason", [
    ("a.csv", "label,sentence\nfresh,good\n", 1, "no 'text'"),
    ("a.csv", "label,text\nfresh,good,extra\n", 2, "3 fields, but the header (line 1) has 2"),
    ("a.csv", "label,text\nfresh,good\nrotten,\n", 3, "empty or missing 'text'"),
    ("a.csv", "label,text\n,good film\n", 2, "missing 'label'"),
    ("a.csv", 'label,text\nfresh,"two\nlines"\nrotten,   \n', 4, "only whitespace"),
    ("a.csv", 'label,text\nfresh,"unterminated\n', 2, "malformed CSV"),
    ("a.tsv", "text\tlabel\nfine\tpos\textra\n", 2, "3 fields"),
    ("a.jsonl", '{"text": "a", "label": "x"}\n\n{"text": "b", "label": "y"\n', 3, "invalid JSON"),
    ("a.jsonl", '[{"text": "a", "label": "x"}]\n', 1, "not a JSON array"),
    ("a.jsonl", '{"text": 5, "label": "x"}\n', 1, "'text' must be a string"),
    ("a.jsonl", '{"text": "a", "label": true}\n', 1, "'label' must be a string or a number"),
    ("a.jsonl", '{"text": "a", "label": 0.5}\n', 1, "is a fraction"),
    ("a.txt", "label,text\nfresh,good\n", None, "unknown file type"),
    ("a.csv", "label,text\n", None, "no examples"),
])
def test_classification_errors(tmp_path, name, text, line, reason):
    _fails(CLS.read, _write(tmp_path, name, text), line, reason)


def test_regression_label_must_be_a_number(tmp_path):
    path = _write(tmp_path, "r.jsonl", '{"text": "a", "label": 1.5}\n{"text": "b", "label": "high"}\n')
    _fails(lambda p: CLS.read(p, regression=True), path, 2, "is not a number")


def test_non_utf8_names_the_line(tmp_path):
    path = _write(tmp_path, "b.csv", b"label,text\nfresh,ok\nrotten,caf\xe9\n", mode="wb")
    _fails(CLS.read, path, 3, "not valid UTF-8")


def test_unknown_eval_label_names_its_line(tmp_path):
    path = _write(tmp_path, "dev.csv", "label,text\nfresh,good\nspoiled,bad\n")
    config = AlbertConfig(id2label={0: "fresh", 1: "rotten"})
    _fails(lambda p: CLS.check_labels(CLS.read(p), config), path, 3, "label 'spoiled' is not one of the model's labels")


@pytest.mark.parametrize("text,line,reason", [
    ("Paris B-LOC\nis O\nFrance\n", 3, "expected a word and its tag"),
    ("-DOCSTART- O\n\n\n", None, "no examples"),
])
def test_conll_errors(tmp_path, text, line, reason):
    _fails(NER.read, _write(tmp_path, "a.conll", text), line, reason)


def test_conll_unknown_eval_tag_names_its_line(tmp_path):
    path = _write(tmp_path, "dev.conll", "Ada B-PER\nLovelace I-PER\n\nLondon B-GPE\n")
    config = AlbertConfig(id2label={0: "O", 1: "B-PER", 2: "I-PER"})
    _fails(lambda p: NER.check_labels(NER.read(p), config), path, 4, "tag 'B-GPE'")


def _squad(qas, context="Ada Lovelace wrote the first program.", version="1.1"):
    # indent=1: the first question's "id" is on line 11, the second's on line 21.
    return json.dumps({"version": version, "data": [{"title": "t", "paragraphs": [{"context": context, "qas": qas}]}]},
                      indent=1)


@pytest.mark.parametrize("qas,line,reason", [
    ([{"id": "q1", "question": "Who?", "answers": [{"text": "Ada", "answer_start": 0}]},
      {"id": "q2", "question": "What?", "answers": [{"text": "program", "answer_start": 3}]}],
     21, "the context at answer_start=3 reads ' Lovela', not 'program'"),
    ([{"id": "q1", "question": "Who?", "answers": [{"text": "Ada", "answer_start": 99}]}],
     11, "outside the context"),
    ([{"id": "q1", "question": "Who?", "answers": [{"text": "Ada", "answer_start": "0"}]}],
     11, "integer 'answer_start'"),
    ([{"id": "q1", "question": "", "answers": [{"text": "Ada", "answer_start": 0}]}], 11, "empty 'question'"),
    ([{"id": "q1", "question": "Who?", "answers": []}], 11, "no answers, and not marked is_impossible"),
    ([{"id": "q1", "question": "Who?", "is_impossible": True, "answers": [{"text": "Ada", "answer_start": 0}]}],
     11, "is_impossible is true but 'answers' is not empty"),
    ([{"id": "q1", "question": "Who?", "answers": [{"text": "Ada", "answer_start": 0}]},
      {"id": "q1", "question": "Who else?", "answers": [{"text": "Ada", "answer_start": 0}]}],
     21, "question id 'q1' repeats data[0].paragraphs[0].qas[0]"),
])
def test_squad_errors(tmp_path, qas, line, reason):
    err = _fails(QA.read, _write(tmp_path, "s.json", _squad(qas)), line, reason)
    assert "data[0].paragraphs[0].qas[" in err.reason


def test_squad_structure_errors(tmp_path):
    _fails(QA.read, _write(tmp_path, "a.json", '{"data": [\n{"title": "x",}\n]}'), 2, "invalid JSON")
    _fails(QA.read, _write(tmp_path, "b.json", '{"version": "1.1"}'), 1, "'data' list")
    path = _write(tmp_path, "c.json", json.dumps({"data": [{"paragraphs": [{"qas": []}]}]}))
    _fails(QA.read, path, None, "data[0].paragraphs[0]: missing or empty 'context'")


@pytest.mark.parametrize("rows,line,reason", [
    ([{"question": "Q?", "choices": ["a", "b"], "label": 2}], 1, "label index 2 is out of range for 2 choices"),
    ([{"question": "Q?", "choices": ["a", "b"], "label": "c"}], 1, "label 'c' is not one of the choices"),
    ([{"question": "Q?", "choices": ["a", "a"], "label": "a"}], 1, "matches several choices"),
    ([{"question": "Q?", "choices": ["a", "b"], "label": 0}, {"question": "R?", "choices": ["a", "b", "c"], "label": 0}],
     2, "3 choices, but line 1 has 2"),
    ([{"question": "Q?", "choices": "a b", "label": 0}], 1, "'choices' must be a list of at least two strings"),
    ([{"question": "Q?", "choices": ["a", ""], "label": 0}], 1, "choices[1] must be a non-empty string"),
    ([{"question": "Q?", "choices": ["a", "b"]}], 1, "missing 'label'"),
    ([{"choices": ["a", "b"], "label": 0}], 1, "missing or empty 'question'"),
])
def test_multiple_choice_errors(tmp_path, rows, line, reason):
    _fails(MC.read, _write(tmp_path, "m.jsonl", "".join(json.dumps(r) + "\n" for r in rows)), line, reason)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="data file not found"):
        CLS.read(str(tmp_path / "none.csv"))
    with pytest.raises(IsADirectoryError):
        NER.read(str(tmp_path))


# ------------------------------------------------------------------------------ train/dev split
def test_train_dev_split_is_deterministic_and_complete(tmp_path):
    source = fixture("reviews_train.csv")
    train, dev = train_dev_split(source, str(tmp_path / "a"), dev_fraction=0.25, seed=3)
    again = train_dev_split(source, str(tmp_path / "b"), dev_fraction=0.25, seed=3)
    assert [open(p, encoding="utf-8").read() for p in (train, dev)] == [open(p, encoding="utf-8").read() for p in again]
    other = train_dev_split(source, str(tmp_path / "c"), dev_fraction=0.25, seed=4)
    assert open(other[1], encoding="utf-8").read() != open(dev, encoding="utf-8").read()
    rows = lambda p: [(e.label, e.text) for e in CLS.read(p)]  # noqa: E731
    assert len(rows(dev)) == 10 and len(rows(train)) == 30
    assert not set(rows(dev)) & set(rows(train))
    assert sorted(rows(dev) + rows(train)) == sorted(rows(source))


def test_train_dev_split_of_the_bundled_reviews_with_caps(tmp_path):
    train, dev = train_dev_split(os.path.join(DATA, "reviews.csv"), str(tmp_path), dev_fraction=0.1, max_train=500)
    assert len(CLS.read(train)) == 500
    assert len(CLS.read(dev)) == round(10752 * 0.1)


def test_train_dev_split_jsonl(tmp_path):
    train, dev = train_dev_split(fixture("similarity.jsonl"), str(tmp_path), dev_fraction=0.2)
    assert train.endswith("train.jsonl") and len(CLS.read(dev, regression=True)) == 4
