"""GET /api/openapi.json describes every public endpoint, and real responses match it."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator

from .server_helpers import CATEGORIES, DAY, ENDPOINT, event, post

ITEM = ENDPOINT + "/{consent_id}"


@pytest.fixture
def app(make_app):
    return make_app(CONSENT_ORIGINS_KPPAY="https://kppay.tg")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def doc(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def conforms(doc: dict, template: str, method: str, response) -> None:
    """Assert that `response` is one the description allows, body and headers."""
    operation = doc["paths"][template][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template} {status} is undocumented"
    spec = operation["responses"][status]
    if "content" in spec:
        assert response.mimetype in spec["content"], (template, status, response.mimetype)
        schema = spec["content"][response.mimetype]["schema"]
        if response.mimetype == "application/json":
            validator = Draft202012Validator({**schema, "components": doc["components"]})
            validator.validate(response.json)
    else:
        assert response.data == b""
    for name, header in spec.get("headers", {}).items():
        # Only on some answers: a replay's, first-party mode's.
        if name in ("Idempotent-Replayed", "Set-Cookie") and name not in response.headers:
            continue
        assert name in response.headers, f"{template} {status} lacks {name}"
        Draft202012Validator(header["schema"]).validate(response.headers[name])


def test_the_description_is_valid_openapi_31_json_schema(doc):
    assert doc["openapi"].startswith("3.1")
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert schema.get("type") == "object", name


def test_every_public_route_is_described(app, doc):
    described = {re.sub(r"\{(\w+)\}", r"<\1>", p) for p in doc["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith(("demo.", "preview.",
                                                                   "console.", "rights.")):
            # the demo, the translators' preview, the console, the rights form: pages, not
            # the API
            continue
        path = rule.rule.replace("<path:filename>", "<file>")
        assert path in described, f"{rule.rule} ({rule.endpoint}) is not in openapi.json"
        template = re.sub(r"<(\w+)>", r"{\1}", path)
        # HEAD and Flask's automatic OPTIONS answer for GET; only explicit methods count.
        automatic = {"HEAD", "OPTIONS"} if rule.provide_automatic_options else {"HEAD"}
        for method in rule.methods - automatic:
            assert method.lower() in doc["paths"][template], f"{method} {rule.rule}"


def test_consent_post_responses_match(app, client, doc, make_app, db_kind, tmp_path):
    body = event()
    conforms(doc, ENDPOINT, "post", post(client, body))
    conforms(doc, ENDPOINT, "post", post(client, body))  # replay
    first_party = event()  # same-origin, with the cookie of its choice: Set-Cookie
    choice = {k: first_party[k] for k in ("consent_id", "revision", "client_time", "choices")}
    client.set_cookie("consent_banner", quote(json.dumps(choice), safe=""))
    answer = post(client, first_party, Origin="http://localhost")
    client.delete_cookie("consent_banner")
    assert "Set-Cookie" in answer.headers
    conforms(doc, ENDPOINT, "post", answer)
    conforms(doc, ENDPOINT, "post", post(client, dict(body, action="refuse_all", choices={
        c: c == "essential" for c in CATEGORIES})))  # 409
    conforms(doc, ENDPOINT, "post", post(client, event(extra=True)))  # 400
    conforms(doc, ENDPOINT, "post", post(client, event(), Origin="https://evil.example"))
    conforms(doc, ENDPOINT, "post", post(client, json.dumps(event()).ljust(5000)))  # 413
    conforms(doc, ENDPOINT, "post", client.post(ENDPOINT, data={"a": "b"}))  # 415
    limited = make_app(CONSENT_RATE_LIMIT=f"1/{DAY}").test_client()
    post(limited, event())
    conforms(doc, ENDPOINT, "post", post(limited, event()))  # 429
    down = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/no/such/dir.sqlite3",
                    CONSENT_AUTO_MIGRATE=False).test_client()
    conforms(doc, ENDPOINT, "post", post(down, event()))  # 503
    conforms(doc, "/healthz", "get", down.get("/healthz"))  # 503
    conforms(doc, ENDPOINT, "options", client.options(ENDPOINT, headers={
        "Origin": "https://kppay.tg", "Access-Control-Request-Method": "POST"}))
    conforms(doc, ENDPOINT, "options", client.options(ENDPOINT, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}))


def test_rights_responses_match(app, client, doc):
    body = event()
    post(client, body)
    url = f"{ENDPOINT}/{body['consent_id']}"
    conforms(doc, ITEM, "get", client.get(url))
    conforms(doc, ITEM, "get", client.get(url + "?format=csv"))
    conforms(doc, ITEM, "get", client.get(url + "?format=xml"))
    conforms(doc, ITEM, "get", client.get(f"{ENDPOINT}/{'0' * 32}"))
    conforms(doc, ITEM, "get", client.get(f"{ENDPOINT}/not-an-id"))
    conforms(doc, ITEM, "options", client.options(url, headers={
        "Origin": "https://kppay.tg", "Access-Control-Request-Method": "DELETE"}))
    conforms(doc, ITEM, "delete", client.delete(url))
    conforms(doc, ITEM, "delete", client.delete(url))  # 404 now


def test_a_refused_erasure_matches(make_app, doc):
    client = make_app(CONSENT_ERASURE_KPPAY="0").test_client()
    body = event()
    post(client, body)
    conforms(doc, ITEM, "delete", client.delete(f"{ENDPOINT}/{body['consent_id']}"))


def test_health_openapi_and_bundle_responses_match(client, doc):
    conforms(doc, "/healthz", "get", client.get("/healthz"))
    conforms(doc, "/api/openapi.json", "get", client.get("/api/openapi.json"))
    script = client.get("/c/kppay/consent.js")
    conforms(doc, "/c/{site}/{file}", "get", script)
    conforms(doc, "/c/{site}/{file}", "get", client.get("/c/kppay/manifest.json"))
    conforms(doc, "/c/{site}/{file}", "get", client.get(
        "/c/kppay/consent.js", headers={"If-None-Match": script.headers["ETag"]}))
    conforms(doc, "/c/{site}/{file}", "get", client.get("/c/kppay/../pyproject.toml"))


def test_account_link_responses_match(app, client, doc):
    made = app.test_cli_runner().invoke(args=["api-keys", "create", "--site", "kppay",
                                              "--label", "Espace Client"])
    auth = {"Authorization": f"Bearer {made.stdout.strip()}"}
    body = event()
    post(client, body)
    link = {"account": "C-1", "consent_id": body["consent_id"]}
    for path, sent in (("links", link), ("links", link), ("links", {"account": "C-1"}),
                       ("history", {"account": "C-1"}),
                       ("history", {"account": "C-1", "format": "csv"}),
                       ("unlink", {"account": "C-1"})):
        template = f"/api/v1/accounts/{path}"
        conforms(doc, template, "post", client.post(template, json=sent, headers=auth))
        conforms(doc, template, "post", client.post(template, json=sent))  # 401
    template = "/api/v1/accounts/links"
    conforms(doc, template, "post", client.post(template, data="x", headers=auth))  # 415
    conforms(doc, template, "post", client.post(template, json={"a": "x" * 5000},
                                                headers=auth))  # 413
