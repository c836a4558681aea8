"""The OpenAPI document at /api/v1/schema/ has the plan API: every path, its errors, and the plan event types."""

import pytest

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/plans/": {"get", "post"},
    "/api/v1/plans/{id}/": {"get"},
    "/api/v1/plans/{id}/barriers/": {"post"},
    "/api/v1/plans/{id}/steps/": {"post"},
    "/api/v1/plans/{id}/check-ins/": {"post"},
    "/api/v1/barriers/": {"get"},
    "/api/v1/barriers/{id}/": {"get", "patch"},
    "/api/v1/steps/": {"get"},
    "/api/v1/steps/{id}/": {"get", "patch"},
    "/api/v1/steps/{id}/help-answered/": {"post"},
    "/api/v1/check-ins/": {"get"},
    "/api/v1/check-ins/{id}/": {"get"},
}


def test_the_served_document_has_the_plan_api(client):
    document = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = document["paths"]
    assert {path: set(paths.get(path, {})) for path in PATHS} == PATHS
    for path, methods in PATHS.items():
        for method in methods:
            responses = set(paths[path][method]["responses"])
            assert {"401", "429"} <= responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "patch"):
                assert "400" in responses, (method, path)
    creates = [paths["/api/v1/plans/"]["post"], paths["/api/v1/plans/{id}/check-ins/"]["post"]]
    for operation in creates:
        assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
        assert "422" in operation["responses"]
    schemas = document["components"]["schemas"]
    assert {"plan.step_changed", "plan.help_requested"} <= set(schemas["EventTypesEnum"]["enum"])
    assert schemas["StepStatusEnum"]["enum"] == ["planned", "under_way", "done", "not_done"]
