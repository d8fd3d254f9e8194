"""schemathesis over the served OpenAPI description, against gunicorn on PostgreSQL: no server
error and no answer that the description does not allow, in a bounded number of examples."""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import postgres_schema
from .gunicorn_kit import start_gunicorn, stop

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
        process, port, _ = start_gunicorn(db_url, dist_dir, tmp_path)
        try:
            schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/api/openapi.json")
            for result in schema.get_all_operations():
                operation = result.ok()

                @settings(max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
                @given(operation.as_strategy())
                def answers_as_described(case):
                    response = case.call_and_validate(checks=CHECKS)
                    statuses[f"{case.method} {case.path} {response.status_code}"] += 1

                answers_as_described()
        finally:
            stop(process)
    print("\nschemathesis: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    assert not any(key.endswith(" 500") for key in statuses)
    # The description is tight enough to reach real records, not only refusals.
    assert statuses["POST /api/v1/consents 201"] > 0
