"""The recipes: models.config generation (parsed back with TF Serving's own ModelServerConfig proto), the
generated signature documentation, and the written SignatureDefs matching the one signature table."""

import os
import sys

import pytest
from google.protobuf import text_format
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.config import model_server_config_pb2

from albert_tf.export.models_config import ServedModel, render_models_config
from albert_tf.export.signatures import signature_specs, signatures_markdown
from tests.export.conftest import REPO

sys.path.insert(0, os.path.join(REPO, "export"))
import make_models_config  # noqa: E402


def parse(text):
    return text_format.Parse(text, model_server_config_pb2.ModelServerConfig())


def test_render_parses_as_model_server_config():
    config = parse(render_models_config([
        ServedModel("sst2", "/models/sst2"),
        ServedModel("squad", "/models/squad", versions=(2, 1), labels={"stable": 1, "canary": 2}),
        ServedModel("ner", "/models/ner", all_versions=True),
    ]))
    sst2, squad, ner = config.model_config_list.config
    assert (sst2.name, sst2.base_path, sst2.model_platform) == ("sst2", "/models/sst2", "tensorflow")
    assert not sst2.HasField("model_version_policy")  # TF Serving's default: latest
    assert list(squad.model_version_policy.specific.versions) == [1, 2]
    assert dict(squad.version_labels) == {"stable": 1, "canary": 2}
    assert ner.model_version_policy.WhichOneof("policy_choice") == "all"


@pytest.mark.parametrize("models, message", [
    ([ServedModel("a", "/m/a"), ServedModel("a", "/m/b")], "duplicate model names"),
    ([ServedModel("a", "relative/a")], "must be absolute"),
    ([ServedModel("a", "/m/a", labels={"stable": 3})], "not in the served versions"),
    ([ServedModel("a b", "/m/a")], "model name"),
    ([], "no models"),
])
def test_render_rejects_what_the_server_would(models, message):
    with pytest.raises(ValueError, match=message):
        render_models_config(models)


def test_make_models_config_script(tmp_path, capsys):
    for name, versions in (("sst2", (1, 3)), ("squad", (1, 2))):
        for v in versions:
            (tmp_path / name / str(v)).mkdir(parents=True)
            (tmp_path / name / str(v) / "saved_model.pb").write_bytes(b"")
    out = tmp_path / "models.config"
    assert make_models_config.main(["--model", str(tmp_path / "sst2"), "--model", f"qa={tmp_path / 'squad'}",
                                    "--versions", "qa=1,2", "--label", "qa:stable=1", "--container_base", "/models",
                                    "--output", str(out)]) == 0
    sst2, qa = parse(out.read_text()).model_config_list.config
    assert (sst2.name, sst2.base_path) == ("sst2", "/models/sst2")
    assert (qa.name, qa.base_path, list(qa.model_version_policy.specific.versions)) == ("qa", "/models/squad", [1, 2])
    with pytest.raises(SystemExit, match=r"versions \[7\] not found"):
        make_models_config.main(["--model", str(tmp_path / "sst2"), "--versions", "sst2=7"])
    with pytest.raises(SystemExit, match="no exported version"):
        make_models_config.main(["--model", str(tmp_path / "missing")])


def test_signatures_doc_is_generated_from_the_table():
    with open(os.path.join(REPO, "export", "SIGNATURES.md"), encoding="utf-8") as f:
        assert f.read() == signatures_markdown(), "run: python export/describe_signatures.py --write"


@pytest.mark.parametrize("key", ["base", "masked_lm", "sequence_classification", "regression", "multiple_choice",
                                 "question_answering", "ids_only"])
def test_written_signature_defs_match_the_table(exports, key):
    exp = exports[key]
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(exp.path, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    (meta_graph,) = proto.meta_graphs
    assert list(meta_graph.meta_info_def.tags) == ["serve"]
    written = {k: v for k, v in meta_graph.signature_def.items() if not k.startswith("__")}
    config = exp.model.config
    specs = signature_specs(exp.task, num_labels=config.num_labels, text_pair=exp.text_pair, ids_only=exp.ids_only)
    assert sorted(written) == sorted(specs)
    sizes = {"C": config.num_labels, "K": 5, "H": config.hidden_size}
    import tensorflow as tf

    for name, spec in specs.items():
        signature = written[name]
        assert signature.method_name == spec.method_name
        for tensors, infos in ((spec.inputs, signature.inputs), (spec.outputs, signature.outputs)):
            assert sorted(infos) == sorted(t.name for t in tensors), name
            for t in tensors:
                info = infos[t.name]
                assert info.dtype == tf.as_dtype(t.dtype).as_datatype_enum, (name, t.name)
                dims = [d.size for d in info.tensor_shape.dim]
                assert dims == [-1 if s is None else s for s in t.tf_shape(sizes)], (name, t.name, dims)
