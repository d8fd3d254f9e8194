"""schemathesis over the served OpenAPI description, against the production set-up (nginx in
front of the app server) on PostgreSQL: no server error and no answer that the description does
not allow, in a bounded number of examples."""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import postgres_schema
from .stack_kit import start_stack

EXAMPLES = 40  # per operation; the whole file stays well under a minute
# What the server must never do: a 5xx, or an answer (status, type, headers, body) that the
# description does not allow. Not checked: that every schema-valid event is accepted (a JSON
# Schema cannot say that 30 February does not exist), nor that every invalid one is refused.
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_headers_conformance,
          schemathesis.checks.response_schema_conformance]


def test_the_api_answers_as_described(dist_dir, tmp_path):
    statuses: Counter = Counter()
    with postgres_schema() as db_url:
        stack = start_stack(db_url, dist_dir, tmp_path)
        port = stack.port
        try:
            # The account-link API with a live key: past its 401, into its bodies.
            auth = {"Authorization": f"Bearer {site_key(db_url, dist_dir, tmp_path)}"}
            schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/api/openapi.json")
            for result in schema.get_all_operations():
                operation = result.ok()

                @settings(max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
                @given(operation.as_strategy())
                def answers_as_described(case):
                    headers = auth if case.path.startswith("/api/v1/accounts/") else None
                    response = case.call_and_validate(checks=CHECKS, headers=headers)
                    statuses[f"{case.method} {case.path} {response.status_code}"] += 1

                answers_as_described()
        finally:
            stack.stop()
    print("\nschemathesis: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    assert not any(key.endswith(" 500") for key in statuses)
    # The description is tight enough to reach real records, not only refusals.
    assert statuses["POST /api/v1/consents 201"] > 0
    assert statuses["POST /api/v1/accounts/links 201"] > 0
    assert statuses["POST /api/v1/accounts/history 200"] > 0


def site_key(db_url: str, dist_dir, tmp_path) -> str:
    """A KPpay API key, made in the database the app server serves, with its instance's
    secret."""
    from server import create_app
    from server.account_links import keys

    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_INSTANCE_PATH": str(tmp_path / "instance")})
    try:
        return keys.create(app.extensions["consent_engine"], "kppay", "schemathesis", "test",
                           app.extensions["consent_keys"]["api-key"])[1]
    finally:
        app.extensions["consent_engine"].dispose()
