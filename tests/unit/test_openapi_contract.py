"""Our OpenAPI against the reference server's for assistants, threads and runs.

Every reference path and method of those resources exists here, and every request field and query
parameter the reference accepts is accepted. Streaming endpoints belong to the streaming work and
not served yet are listed explicitly, so this test names what is still missing instead of hiding it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from activities.settings import Settings
from api.app import create_app

# A copy of ../shared/reference/langgraph-api-openapi.json (the contract), so the test runs anywhere.
REFERENCE = Path(__file__).resolve().parents[1] / "contract" / "langgraph-api-openapi.json"
RESOURCE_TAGS = {"Assistants", "Threads", "Thread Runs", "Stateless Runs"}
# Endpoints of these resources not served yet; listed so they are not forgotten.
STREAMING: set[tuple[str, str]] = set()
METHODS = ("get", "post", "put", "patch", "delete")


def _reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text())


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _properties(spec: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    schema = _resolve(spec, schema)
    if schema.get("type") == "array" and "items" in schema:
        return _properties(spec, schema["items"])
    names = set(schema.get("properties", {}))
    for variant in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        names |= _properties(spec, variant)
    return names


def _body_fields(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return _properties(spec, content["schema"]) if "schema" in content else set()


def _query_params(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): op
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in METHODS and RESOURCE_TAGS & set(op.get("tags", []))
    }


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def test_every_reference_path_and_method_exists(ours: dict[str, Any]) -> None:
    reference = _operations(_reference())
    mine = {(m, p) for p, ops in ours["paths"].items() for m in ops if m in METHODS}
    missing = sorted(set(reference) - mine - STREAMING)
    assert not missing, f"missing endpoints: {missing}"


def test_request_fields_and_query_parameters_are_accepted(ours: dict[str, Any]) -> None:
    reference_spec = _reference()
    problems = []
    for (method, path), ref_op in _operations(reference_spec).items():
        if (method, path) in STREAMING:
            continue
        our_op = ours["paths"][path][method]
        missing_fields = _body_fields(reference_spec, ref_op) - _body_fields(ours, our_op)
        missing_params = _query_params(ref_op) - _query_params(our_op)
        if missing_fields or missing_params:
            problems.append(f"{method.upper()} {path}: body {sorted(missing_fields)}, query {sorted(missing_params)}")
    assert not problems, "\n".join(problems)
