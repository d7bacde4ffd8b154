"""Conformance of every gRPC method and REST endpoint with TF Serving's contract.

Clients are the official tensorflow_serving.apis stubs and raw HTTP; expected values come from the test
model's formula (y = 0.5 x + 2 for version 1, + 3 for version 2) and expected errors from TF Serving's
sources (the files each ``errors`` function names). Each test runs against every server kind of the
``server`` fixture. test_upstream_model_server.py ports upstream's own tensorflow_model_server_test.py.
"""

from __future__ import annotations

import base64
import http.client
import json

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    inference_pb2,
    predict_pb2,
    regression_pb2,
)

from tests.serving.saved_models import CLASSES, example, expected_y

MODEL = "half_plus_two"
TIMEOUT = 30


def predict_request(x=(1.0, 2.0, 5.0), *, name=MODEL, signature="", version=None, label=None, alias="x"):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    if signature:
        request.model_spec.signature_name = signature
    if version is not None:
        request.model_spec.version.value = version
    if label is not None:
        request.model_spec.version_label = label
    request.inputs[alias].CopyFrom(tf.make_tensor_proto(np.asarray(x, np.float32)))
    return request


def examples_request(cls, xs, *, signature, name=MODEL, context=None):
    request = cls()
    request.model_spec.name = name
    request.model_spec.signature_name = signature
    if context is None:
        for x in xs:
            request.input.example_list.examples.add().CopyFrom(example(x))
    else:
        request.input.example_list_with_context.context.CopyFrom(context)
        for x in xs:
            request.input.example_list_with_context.examples.add().CopyFrom(example(x))
    return request


def rpc_error(method, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        method(request, timeout=TIMEOUT)
    return info.value


def assert_rpc_error(method, request, code, message):
    error = rpc_error(method, request)
    assert (error.code(), error.details()) == (code, message)


def rest(server, method, path, body=None):
    """(HTTP status, decoded JSON body or raw text)."""
    connection = http.client.HTTPConnection(*server.rest_address, timeout=TIMEOUT)
    try:
        payload = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        connection.request(method, path, body=payload)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, data.decode("utf-8", "replace")


def floats(proto: tensor_pb2.TensorProto) -> list[float]:
    return list(proto.float_val)


# --- gRPC: Predict ------------------------------------------------------------------------------------------


def test_predict_latest_version_with_typed_output_fields(stubs):
    response = stubs.predict.Predict(predict_request(), timeout=TIMEOUT)
    y = response.outputs["y"]
    assert y.dtype == types_pb2.DT_FLOAT
    assert [d.size for d in y.tensor_shape.dim] == [3]
    assert not y.tensor_content  # typed fields, as AsProtoField writes them
    np.testing.assert_allclose(floats(y), expected_y([1.0, 2.0, 5.0], version=2))
    assert response.model_spec.name == MODEL
    assert response.model_spec.version.value == 2
    assert response.model_spec.signature_name == "serving_default"


@pytest.mark.parametrize("version, label, expected_version", [(1, None, 1), (2, None, 2), (None, "stable", 1),
                                                             (None, "canary", 2)])
def test_predict_by_version_and_label(stubs, version, label, expected_version):
    response = stubs.predict.Predict(predict_request([4.0], version=version, label=label), timeout=TIMEOUT)
    assert response.model_spec.version.value == expected_version
    np.testing.assert_allclose(floats(response.outputs["y"]), expected_y([4.0], version=expected_version))


def test_predict_accepts_tensor_content_and_typed_inputs(stubs):
    typed = predict_request()
    typed.inputs["x"].Clear()
    typed.inputs["x"].dtype = types_pb2.DT_FLOAT
    typed.inputs["x"].tensor_shape.dim.add(size=3)
    typed.inputs["x"].float_val.extend([1.0, 2.0, 5.0])
    packed = predict_request()  # tf.make_tensor_proto packs into tensor_content
    assert packed.inputs["x"].tensor_content
    a = stubs.predict.Predict(typed, timeout=TIMEOUT).outputs["y"]
    b = stubs.predict.Predict(packed, timeout=TIMEOUT).outputs["y"]
    assert floats(a) == floats(b)


def test_predict_output_filter(stubs):
    request = predict_request([1.0, 3.0], signature="two_inputs")
    request.inputs["y"].CopyFrom(tf.make_tensor_proto(np.array([10.0, 20.0], np.float32)))
    request.output_filter.append("sum")
    response = stubs.predict.Predict(request, timeout=TIMEOUT)
    assert list(response.outputs) == ["sum"]
    assert floats(response.outputs["sum"]) == [11.0, 23.0]


def test_predict_string_signature_with_tf_text_op(stubs):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL
    request.model_spec.signature_name = "text"
    request.inputs["text"].CopyFrom(tf.make_tensor_proto([b"hello big world", b"one"]))
    response = stubs.predict.Predict(request, timeout=TIMEOUT)
    assert list(response.outputs["num_words"].int64_val) == [3, 1]
    assert list(response.outputs["upper_bytes"].string_val) == [b"HELLO BIG WORLD", b"ONE"]


def test_predict_second_model_tf1_export(stubs):
    response = stubs.predict.Predict(predict_request([0.0], name="second"), timeout=TIMEOUT)
    assert response.model_spec.name == "second"
    np.testing.assert_allclose(floats(response.outputs["y"]), expected_y([0.0], version=1))


def test_predict_unknown_model(stubs):
    assert_rpc_error(stubs.predict.Predict, predict_request(name="nope"), grpc.StatusCode.NOT_FOUND,
                     "Servable not found for request: Latest(nope)")


def test_predict_unknown_version(stubs):
    assert_rpc_error(stubs.predict.Predict, predict_request(version=42), grpc.StatusCode.NOT_FOUND,
                     f"Servable not found for request: Specific({MODEL}, 42)")


def test_predict_unknown_label(stubs):
    assert_rpc_error(stubs.predict.Predict, predict_request(label="nope"), grpc.StatusCode.INVALID_ARGUMENT,
                     "Unrecognized servable version label: nope")


def test_predict_missing_model_spec(stubs):
    request = predict_request()
    request.ClearField("model_spec")
    assert_rpc_error(stubs.predict.Predict, request, grpc.StatusCode.INVALID_ARGUMENT, "Missing ModelSpec")


def test_predict_model_spec_without_name(stubs):
    assert_rpc_error(stubs.predict.Predict, predict_request(name=""), grpc.StatusCode.INVALID_ARGUMENT,
                     "ModelSpec has no name specified.")


def test_predict_unknown_signature(stubs):
    assert_rpc_error(stubs.predict.Predict, predict_request(signature="nope"), grpc.StatusCode.FAILED_PRECONDITION,
                     'Serving signature key "nope" not found.')


def test_predict_missing_input(stubs):
    assert_rpc_error(
        stubs.predict.Predict, predict_request(signature="two_inputs"), grpc.StatusCode.INVALID_ARGUMENT,
        "input size does not match signature: 1!=2 len({x}) != len({x,y}). Sent extra: {}. "
        "Missing but required: {y}.",
    )


def test_predict_extra_input(stubs):
    request = predict_request()
    request.inputs["z"].CopyFrom(tf.make_tensor_proto(np.array([1.0], np.float32)))
    assert_rpc_error(
        stubs.predict.Predict, request, grpc.StatusCode.INVALID_ARGUMENT,
        "input size does not match signature: 2!=1 len({x,z}) != len({x}). Sent extra: {z}. "
        "Missing but required: {}.",
    )


def test_predict_wrong_dtype(stubs):
    request = predict_request()
    request.inputs["x"].CopyFrom(tf.make_tensor_proto([b"a"]))
    assert_rpc_error(stubs.predict.Predict, request, grpc.StatusCode.INVALID_ARGUMENT,
                     "Expects arg[0] to be float but string is provided")


def test_predict_bad_tensor_proto(stubs):
    request = predict_request()
    request.inputs["x"].tensor_content = b"\x00\x00\x80"  # 3 bytes cannot hold 3 floats
    assert_rpc_error(stubs.predict.Predict, request, grpc.StatusCode.INVALID_ARGUMENT, "tensor parsing error: x")


def test_predict_bad_output_filter(stubs):
    request = predict_request()
    request.output_filter.append("z")
    assert_rpc_error(stubs.predict.Predict, request, grpc.StatusCode.INVALID_ARGUMENT,
                     "output tensor alias not found in signature: z Outputs expected to be in the set {y}.")


def test_predict_bad_shape_reports_the_kernel_error(stubs):
    error = rpc_error(stubs.predict.Predict, predict_request([1.0, 2.0, 3.0], signature="pairs"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("Input to reshape is a tensor with 3 values")


# --- gRPC: Classify, Regress, MultiInference ----------------------------------------------------------------


def test_classify(stubs):
    response = stubs.predict.Classify(
        examples_request(classification_pb2.ClassificationRequest, [1.0, 4.0], signature="classify"),
        timeout=TIMEOUT)
    assert response.model_spec.version.value == 2
    assert response.model_spec.signature_name == "classify"
    for classifications, x in zip(response.result.classifications, [1.0, 4.0]):
        y = float(expected_y([x], version=2)[0])
        assert [(c.label, c.score) for c in classifications.classes] == [
            (CLASSES[0].decode(), pytest.approx(-y)), (CLASSES[1].decode(), pytest.approx(y))]


def test_classify_with_context_merges_features(stubs):
    context = tf.train.Example(features=tf.train.Features(
        feature={"unused": tf.train.Feature(int64_list=tf.train.Int64List(value=[7]))}))
    response = stubs.predict.Classify(
        examples_request(classification_pb2.ClassificationRequest, [2.0], signature="classify", context=context),
        timeout=TIMEOUT)
    assert response.result.classifications[0].classes[1].score == pytest.approx(float(expected_y([2.0], 2)[0]))


def test_classify_scores_only_has_empty_labels(stubs):
    response = stubs.predict.Classify(
        examples_request(classification_pb2.ClassificationRequest, [2.0], signature="scores_only"),
        timeout=TIMEOUT)
    assert [c.label for c in response.result.classifications[0].classes] == ["", ""]


def test_classify_empty_example_list(stubs):
    request = examples_request(classification_pb2.ClassificationRequest, [], signature="classify")
    assert_rpc_error(stubs.predict.Classify, request, grpc.StatusCode.INVALID_ARGUMENT, "Input is empty.")


def test_classify_unknown_signature(stubs):
    request = examples_request(classification_pb2.ClassificationRequest, [1.0], signature="nope")
    assert_rpc_error(stubs.predict.Classify, request, grpc.StatusCode.INVALID_ARGUMENT,
                     "No signature was found with the name: nope")


def test_regress(stubs):
    response = stubs.predict.Regress(
        examples_request(regression_pb2.RegressionRequest, [1.0, 2.0, 8.0], signature="regress"), timeout=TIMEOUT)
    np.testing.assert_allclose([r.value for r in response.result.regressions], expected_y([1.0, 2.0, 8.0], 2))
    assert response.model_spec.signature_name == "regress"


def test_regress_empty_and_unknown_signature(stubs):
    assert_rpc_error(stubs.predict.Regress,
                     examples_request(regression_pb2.RegressionRequest, [], signature="regress"),
                     grpc.StatusCode.INVALID_ARGUMENT, "Input is empty.")
    assert_rpc_error(stubs.predict.Regress,
                     examples_request(regression_pb2.RegressionRequest, [1.0], signature="nope"),
                     grpc.StatusCode.INVALID_ARGUMENT, "No signature was found with the name: nope")


def multi_inference_request(model, signatures):
    request = inference_pb2.MultiInferenceRequest()
    for signature in signatures:
        task = request.tasks.add()
        task.model_spec.name = model
        task.model_spec.signature_name = signature
        task.method_name = f"tensorflow/serving/{signature}"
    request.input.example_list.examples.add().CopyFrom(example(6.0))
    return request


def test_multi_inference_results_in_task_order(stubs):
    response = stubs.predict.MultiInference(multi_inference_request("second", ["regress", "classify"]),
                                            timeout=TIMEOUT)
    y = float(expected_y([6.0], 1)[0])
    assert [r.model_spec.signature_name for r in response.results] == ["regress", "classify"]
    assert response.results[0].regression_result.regressions[0].value == pytest.approx(y)
    assert response.results[1].classification_result.classifications[0].classes[1].score == pytest.approx(y)


def test_multi_inference_tasks_with_different_input_tensors(stubs):
    # TF2 exports give every signature its own input placeholder; since abb8d3b5 stock feeds the same
    # serialized examples to each of them in one Session::Run.
    response = stubs.predict.MultiInference(multi_inference_request(MODEL, ["regress", "classify"]),
                                            timeout=TIMEOUT)
    y = float(expected_y([6.0], 2)[0])
    assert response.results[0].regression_result.regressions[0].value == pytest.approx(y)
    assert response.results[1].classification_result.classifications[0].classes[1].score == pytest.approx(y)
    assert [r.model_spec.version.value for r in response.results] == [2, 2]


def test_multi_inference_rejects_mixed_models(stubs):
    request = inference_pb2.MultiInferenceRequest()
    for name in (MODEL, "second"):
        task = request.tasks.add()
        task.model_spec.name = name
        task.model_spec.signature_name = "regress"
        task.method_name = "tensorflow/serving/regress"
    request.input.example_list.examples.add().CopyFrom(example(1.0))
    assert_rpc_error(stubs.predict.MultiInference, request, grpc.StatusCode.INVALID_ARGUMENT,
                     "All ModelSpecs in a MultiInferenceRequest must access the same model name.")


# --- gRPC: metadata and status ------------------------------------------------------------------------------


def test_get_model_metadata(stubs):
    request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    request.model_spec.name = MODEL
    response = stubs.predict.GetModelMetadata(request, timeout=TIMEOUT)
    assert response.model_spec.name == MODEL and response.model_spec.version.value == 2
    signature_map = get_model_metadata_pb2.SignatureDefMap()
    assert response.metadata["signature_def"].Unpack(signature_map)
    signatures = signature_map.signature_def
    assert {"serving_default", "classify", "regress", "text", "two_inputs"} <= set(signatures)
    assert signatures["serving_default"].inputs["x"].dtype == types_pb2.DT_FLOAT
    assert [d.size for d in signatures["serving_default"].inputs["x"].tensor_shape.dim] == [-1]


def test_get_model_metadata_errors(stubs):
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = MODEL
    assert_rpc_error(stubs.predict.GetModelMetadata, request, grpc.StatusCode.INVALID_ARGUMENT,
                     "GetModelMetadataRequest must specify at least one metadata_field")
    request.metadata_field.append("signature_def")
    request.model_spec.name = "nope"
    assert_rpc_error(stubs.predict.GetModelMetadata, request, grpc.StatusCode.NOT_FOUND,
                     "Servable not found for request: Latest(nope)")


def test_get_model_status_lists_versions_highest_first(stubs):
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = MODEL
    response = stubs.model.GetModelStatus(request, timeout=TIMEOUT)
    assert [(s.version, s.state, s.status.error_code) for s in response.model_version_status] == [
        (2, get_model_status_pb2.ModelVersionStatus.AVAILABLE, 0),
        (1, get_model_status_pb2.ModelVersionStatus.AVAILABLE, 0),
    ]
    request.model_spec.version.value = 1
    response = stubs.model.GetModelStatus(request, timeout=TIMEOUT)
    assert [s.version for s in response.model_version_status] == [1]


def test_get_model_status_unknown_model(stubs):
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "nope"
    assert_rpc_error(stubs.model.GetModelStatus, request, grpc.StatusCode.NOT_FOUND,
                     "Could not find any versions of model nope")


# --- REST ---------------------------------------------------------------------------------------------------


def test_rest_predict_row_and_columnar(server):
    status, body = rest(server, "POST", f"/v1/models/{MODEL}:predict", {"instances": [1.0, 2.0, 5.0]})
    assert status == 200
    np.testing.assert_allclose(body["predictions"], expected_y([1.0, 2.0, 5.0], 2))
    status, body = rest(server, "POST", f"/v1/models/{MODEL}/versions/1:predict", {"inputs": [1.0, 2.0]})
    assert status == 200
    np.testing.assert_allclose(body["outputs"], expected_y([1.0, 2.0], 1))


def test_rest_predict_several_inputs_and_outputs(server):
    body = {"signature_name": "two_inputs", "instances": [{"x": 1.0, "y": 2.0}, {"x": 3, "y": 4}]}
    status, reply = rest(server, "POST", f"/v1/models/{MODEL}:predict", body)
    assert status == 200
    assert reply["predictions"] == [{"scaled": 0.5, "sum": 3.0}, {"scaled": 1.5, "sum": 7.0}]
    body = {"signature_name": "two_inputs", "inputs": {"x": [1.0, 3.0], "y": [2.0, 4.0]}}
    status, reply = rest(server, "POST", f"/v1/models/{MODEL}:predict", body)
    assert reply == {"outputs": {"scaled": [0.5, 1.5], "sum": [3.0, 7.0]}}


def test_rest_predict_b64_strings_and_bytes_outputs(server):
    body = {"signature_name": "text", "instances": [{"b64": base64.b64encode(b"two words").decode()}, "x"]}
    status, reply = rest(server, "POST", f"/v1/models/{MODEL}/labels/stable:predict", body)
    assert status == 200
    assert [row["num_words"] for row in reply["predictions"]] == [2, 1]
    assert [base64.b64decode(row["upper_bytes"]["b64"]) for row in reply["predictions"]] == [b"TWO WORDS", b"X"]


def test_rest_classify_and_regress(server):
    body = {"signature_name": "classify", "examples": [{"x": 1.0}, {"x": 2.5}]}
    status, reply = rest(server, "POST", f"/v1/models/{MODEL}:classify", body)
    assert status == 200
    for row, x in zip(reply["results"], [1.0, 2.5]):
        y = float(expected_y([x], 2)[0])
        assert row == [["negative", pytest.approx(-y)], ["positive", pytest.approx(y)]]
    status, reply = rest(server, "POST", f"/v1/models/{MODEL}:regress",
                         {"signature_name": "regress", "context": {"unused": 1}, "examples": [{"x": 3.0}]})
    assert (status, reply) == (200, {"results": [pytest.approx(float(expected_y([3.0], 2)[0]))]})


def test_rest_status(server):
    status, reply = rest(server, "GET", f"/v1/models/{MODEL}")
    assert status == 200
    assert reply == {"model_version_status": [
        {"version": "2", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}},
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}},
    ]}
    status, reply = rest(server, "GET", f"/v1/models/{MODEL}/versions/1")
    assert [v["version"] for v in reply["model_version_status"]] == ["1"]


def test_rest_metadata(server):
    status, reply = rest(server, "GET", f"/v1/models/{MODEL}/versions/1/metadata")
    assert status == 200
    assert reply["model_spec"]["name"] == MODEL and reply["model_spec"]["version"] == "1"
    signature = reply["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert signature["inputs"]["x"]["dtype"] == "DT_FLOAT"
    assert signature["method_name"] == "tensorflow/serving/predict"


def test_rest_paths_are_case_insensitive(server):
    status, reply = rest(server, "POST", f"/V1/MODELS/{MODEL}/VERSIONS/1:predict", {"instances": [0.0]})
    assert (status, reply) == (200, {"predictions": [2.0]})


@pytest.mark.parametrize("path, body, status, error", [
    ("/v1/models/nope:predict", {"instances": [1.0]}, 404, "Servable not found for request: Latest(nope)"),
    (f"/v1/models/{MODEL}/versions/42:predict", {"instances": [1.0]}, 404,
     f"Servable not found for request: Specific({MODEL}, 42)"),
    (f"/v1/models/{MODEL}/labels/nope:predict", {"instances": [1.0]}, 400,
     "Unrecognized servable version label: nope"),
    (f"/v1/models/{MODEL}:predict", {"signature_name": "nope", "instances": [1.0]}, 400,
     'Serving signature name: "nope" not found in signature def'),
    (f"/v1/models/{MODEL}:predict", {"signature_name": "two_inputs", "instances": [{"x": 1.0}]}, 400,
     "Failed to process element: 0 of 'instances' list. JSON object: {\n    \"x\": 1.0\n} keys must be equal to: x,y"),
    (f"/v1/models/{MODEL}:predict", {"signature_name": "two_inputs", "inputs": {"x": [1.0]}}, 400,
     "Missing named input: y in 'inputs' object."),
    (f"/v1/models/{MODEL}:predict", {"instances": [{"x": 1.0, "z": 2.0}]}, 400,
     "Failed to process element: 0 key: z of 'instances' list. Error: INVALID_ARGUMENT: "
     "JSON object: does not have named input: z"),
    (f"/v1/models/{MODEL}:predict", {"instances": ["a"]}, 400,
     "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: "
     "JSON Value: \"a\" Type: String is not of expected type: float"),
    (f"/v1/models/{MODEL}:predict", {"signature_name": "sequence", "instances": [[1.5]]}, 400,
     "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: "
     "JSON Value: 1.5 Type: Number is not of expected type: int32"),
    (f"/v1/models/{MODEL}:predict", {"instances": []}, 400,
     "JSON Value: {\n    \"instances\": []\n} No values in 'instances' array"),
    (f"/v1/models/{MODEL}:predict", {"foo": 1}, 400, "Missing 'inputs' or 'instances' key"),
    (f"/v1/models/{MODEL}:predict", b"", 400, "JSON Parse error: The document is empty"),
    (f"/v1/models/{MODEL}:predict", b"[1.0]", 400, "JSON Value: [\n    1.0\n] Is not object"),
    (f"/v1/models/{MODEL}:classify", {"signature_name": "classify", "examples": []}, 400,
     "JSON Value: {\n    \"signature_name\": \"classify\",\n    \"examples\": []\n} 'examples' value is an empty array"),
    (f"/v1/models/{MODEL}:classify", {"signature_name": "nope", "examples": [{"x": 1.0}]}, 400,
     "No signature was found with the name: nope"),
    (f"/v1/models/{MODEL}:frobnicate", {}, 400, f"Malformed request: POST /v1/models/{MODEL}:frobnicate"),
    ("/v1/models/nope", None, 404, "Could not find any versions of model nope"),
])
def test_rest_errors(server, path, body, status, error):
    method = "GET" if body is None else "POST"
    assert rest(server, method, path, body) == (status, {"error": error})


def test_rest_malformed_json(server):
    status, reply = rest(server, "POST", f"/v1/models/{MODEL}:predict", b'{"instances": [1.0,')
    assert status == 400
    assert reply["error"].startswith("JSON Parse error: ")


def test_rest_malformed_paths(server):
    assert rest(server, "GET", "/v1/models")[0] == 400
    assert rest(server, "GET", "/v1/models") == (400, {"error": "Missing model name in request."})
    assert rest(server, "POST", f"/v1/models/{MODEL}/versions/x:predict", {"instances": [1.0]}) == (
        400, {"error": f"Malformed request: POST /v1/models/{MODEL}/versions/x:predict"})
    assert rest(server, "PUT", f"/v1/models/{MODEL}:predict", {"instances": [1.0]}) == (
        400, {"error": f"Malformed request: PUT /v1/models/{MODEL}:predict"})
    assert rest(server, "GET", "/nonsense")[0] == 404
