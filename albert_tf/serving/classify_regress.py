"""Classify and Regress on one signature, as TF Serving's classifier.cc and regressor.cc run them.

``serialized_examples`` turns a request's Input (examples, optionally with a shared context) into the [N]
string tensor the signature is fed; ``_classification_tensors`` / ``_regression_tensors`` are PreProcess*
(check the signature, pick its input and output tensors) and ``_fill_classification`` / ``_fill_regression``
PostProcess* (check the outputs, fill the result protos). The method names and the input/output aliases
TF Serving expects are defined here as well.

Example:
    >>> from tensorflow_serving.apis import input_pb2
    >>> request_input = input_pb2.Input()
    >>> _ = request_input.example_list.examples.add()
    >>> serialized_examples(request_input)
    array([b''], dtype=object)
"""

from __future__ import annotations

import numpy as np
from google.protobuf import text_format
from tensorflow.core.framework import types_pb2

from albert_tf.serving import errors, tensors

CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"
CLASSIFY_INPUTS, CLASSIFY_CLASSES, CLASSIFY_SCORES = "inputs", "classes", "scores"
REGRESS_INPUTS, REGRESS_OUTPUTS = "inputs", "outputs"


def serialized_examples(request_input) -> np.ndarray:
    """InputToSerializedExampleTensor: a [N] string array; with context, context bytes + example bytes.

    Concatenated serializations parse as the merge of both messages, which is how TF Serving joins the
    shared context features to each example.
    """
    kind = request_input.WhichOneof("kind")
    if kind == "example_list":
        examples = [e.SerializeToString() for e in request_input.example_list.examples]
    elif kind == "example_list_with_context":
        context = request_input.example_list_with_context.context.SerializeToString()
        examples = [context + e.SerializeToString() for e in request_input.example_list_with_context.examples]
    else:
        examples = []
    if not examples:
        raise errors.input_is_empty()
    array = np.empty(len(examples), dtype=object)
    array[:] = examples
    return array



def _signature_text(signature) -> str:
    return text_format.MessageToString(signature)


def _classification_tensors(signature, check_method_name: bool = False) -> tuple[str, list[str]]:
    """PreProcessClassification (method-name check off by default, as TF Serving's)."""
    if check_method_name and signature.method_name != CLASSIFY_METHOD:
        raise errors.unexpected_signature_method("classification", CLASSIFY_METHOD, signature.method_name)
    if len(signature.inputs) != 1:
        raise errors.expected_one_input_tensor()
    if len(signature.outputs) not in (1, 2):
        raise errors.expected_one_or_two_outputs(len(signature.outputs))
    if CLASSIFY_INPUTS not in signature.inputs:
        raise errors.no_classification_inputs(_signature_text(signature))
    names = [signature.outputs[k].name for k in (CLASSIFY_CLASSES, CLASSIFY_SCORES) if k in signature.outputs]
    if not names:
        raise errors.no_classification_outputs(_signature_text(signature))
    return signature.inputs[CLASSIFY_INPUTS].name, names


def _regression_tensors(signature, check_method_name: bool = False) -> tuple[str, list[str]]:
    """PreProcessRegression."""
    if check_method_name and signature.method_name != REGRESS_METHOD:
        raise errors.unexpected_signature_method("regression", REGRESS_METHOD, signature.method_name)
    if len(signature.inputs) != 1:
        raise errors.expected_one_input_tensor()
    if len(signature.outputs) != 1:
        raise errors.expected_one_output_tensor()
    if REGRESS_INPUTS not in signature.inputs:
        raise errors.no_regression_inputs(_signature_text(signature))
    if REGRESS_OUTPUTS not in signature.outputs:
        raise errors.no_regression_outputs(_signature_text(signature))
    return signature.inputs[REGRESS_INPUTS].name, [signature.outputs[REGRESS_OUTPUTS].name]


def _fill_classification(signature, count: int, outputs: dict, result) -> None:
    """PostProcessClassificationResult."""
    classes = outputs.get(signature.outputs[CLASSIFY_CLASSES].name) if CLASSIFY_CLASSES in signature.outputs else None
    scores = outputs.get(signature.outputs[CLASSIFY_SCORES].name) if CLASSIFY_SCORES in signature.outputs else None
    for which, tensor, dtype in (("classes", classes, types_pb2.DT_STRING), ("scores", scores, types_pb2.DT_FLOAT)):
        if tensor is None:
            continue
        if tensor.ndim != 2:
            raise errors.expected_batch_by_classes_shape(tensors.shape_debug_string(tensor.shape))
        actual = tensors.dtype_enum_of(tensor)
        if actual != dtype:
            name = tensors.dtype_enum_name(actual)
            raise errors.expected_classes_dtype(name) if which == "classes" else errors.expected_scores_dtype(name)
        if tensor.shape[0] != count:
            raise errors.classification_batch_size(which, count, tensor.shape[0])
    if classes is not None and scores is not None and classes.shape[1] != scores.shape[1]:
        raise errors.classes_scores_disagree(classes.shape[1], scores.shape[1])
    num_classes = (classes if classes is not None else scores).shape[1]
    labels = classes.tolist() if classes is not None else None
    values = scores.tolist() if scores is not None else None
    for i in range(count):
        classifications = result.classifications.add()
        for c in range(num_classes):
            entry = classifications.classes.add()
            if labels is not None:
                label = labels[i][c]
                entry.label = label.decode("utf-8", "replace") if isinstance(label, bytes) else str(label)
            if values is not None:
                entry.score = values[i][c]


def _fill_regression(signature, count: int, outputs: dict, result) -> None:
    """PostProcessRegressionResult."""
    tensor = outputs[signature.outputs[REGRESS_OUTPUTS].name]
    if not (tensor.ndim == 1 or (tensor.ndim == 2 and tensor.shape[1] == 1)):
        raise errors.regression_output_shape(tensors.shape_debug_string(tensor.shape))
    if tensor.shape[0] != count:
        raise errors.regression_batch_size(count, tensor.shape[0])
    actual = tensors.dtype_enum_of(tensor)
    if actual != types_pb2.DT_FLOAT:
        raise errors.regression_output_dtype(tensors.dtype_enum_name(actual))
    for value in tensor.reshape(-1).tolist():
        result.regressions.add(value=value)
