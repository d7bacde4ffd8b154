"""Acceptance 2: every export uses only ops stock tensorflow_model_server links (TF core + tensorflow-text),
and no Python callbacks. The check itself must reject what the server would reject."""

import os

import pytest
import tensorflow as tf

from albert_tf.export.opset import UnsupportedOpsError, check_op_set, registered_ops, saved_model_ops


def test_registered_sets_come_from_tensorflow_and_tensorflow_text():
    core, text = registered_ops()
    assert {"MatMul", "StringSplit", "EagerPyFunc"} <= core
    assert {"SentencepieceOp", "SentencepieceTokenizeOp", "RegexSplitWithOffsets"} <= text
    assert not core & text


@pytest.mark.parametrize("key", ["base", "pretraining", "masked_lm", "sequence_classification", "regression",
                                 "multiple_choice", "token_classification", "question_answering", "ids_only"])
def test_every_export_passes(exports, key):
    report = check_op_set(exports[key].path)
    assert report.ok, report.unsupported
    assert "While" in report.ops  # the length-sorted sub-batch loop is in the graph
    if exports[key].ids_only:
        assert report.text_ops == ()  # stock saved_model_cli and any TensorFlow build can run it
    else:
        assert "SentencepieceOp" in report.text_ops
        # QA and token classification tokenize with offsets.
        assert {"SentencepieceTokenizeOp", "SentencepieceTokenizeWithOffsetsOp"} & set(report.text_ops)


def test_python_callbacks_are_rejected(tmp_path):
    module = tf.Module()
    module.f = tf.function(lambda x: tf.py_function(lambda v: v * 2, [x], tf.float32),
                           input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path), signatures=module.f.get_concrete_function())
    assert "EagerPyFunc" in saved_model_ops(tmp_path)
    with pytest.raises(UnsupportedOpsError, match="EagerPyFunc"):
        check_op_set(tmp_path)


def test_unregistered_ops_are_rejected(tmp_path):
    from tensorflow.core.protobuf import saved_model_pb2

    module = tf.Module()
    module.f = tf.function(lambda x: tf.math.square(x), input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path), signatures=module.f.get_concrete_function())
    path = os.path.join(tmp_path, "saved_model.pb")
    proto = saved_model_pb2.SavedModel()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    renamed = 0
    for function in proto.meta_graphs[0].graph_def.library.function:
        for node in function.node_def:
            if node.op == "Square":
                node.op, renamed = "SquareFromSomeOtherPipPackage", renamed + 1
    assert renamed
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())
    report = check_op_set(tmp_path, raise_on_error=False)
    assert report.unsupported == ("SquareFromSomeOtherPipPackage",)
    with pytest.raises(UnsupportedOpsError):
        check_op_set(tmp_path)
