"""The payload boundary as a property (hypothesis), on SQLite and PostgreSQL: any JSON value,
any byte string and any mutation of a valid event gets a 201 or a 4xx JSON error, never a 500;
whatever is stored reads back as sent (normalised) and verifies against its receipt."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.contract import ISO_TIME, PAGE_URL
from server.contract import SENT as FIELDS
from server.payload import page_url
from server.store import receipt

from .server_helpers import event, post, rows

# Bounded, so that the whole file runs in well under a minute on both databases.
EXAMPLES = 100
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
STATUSES: Counter = Counter()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)
# Text that reaches the corners: NUL, controls, surrogates, newlines, non-ASCII digits.
nasty_text = st.text(st.characters(exclude_categories=()), max_size=40) | st.sampled_from(
    ["\x00", "\n", "\ud800", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
     "http://[", "http://\u2100/", "https://u:p@a.b/?q#f", "a" * 32 + "\n", "1.0", "NaN"])


@pytest.fixture
def app(make_app):
    return make_app(CONSENT_RATE_LIMIT="1000000/60")


def answered(app, data) -> None:
    """The property itself: a 201 that reads back and verifies, or a 4xx JSON error."""
    response = post(app.test_client(), data)
    STATUSES[response.status_code] += 1
    assert response.status_code == 201 or 400 <= response.status_code < 500, response.data
    assert response.mimetype == "application/json"
    if response.status_code != 201:
        assert set(response.json) == {"error", "field"}
        return
    answer = response.json
    (row,) = rows(app, event_id=answer["event_id"])
    assert receipt(row, app.extensions["consent_keys"]["receipt"]) == answer["receipt"]
    sent = json.loads(data)
    for name in ("consent_id", "event_id", "site", "revision", "action", "choices",
                 "language", "gpc"):
        assert row[name] == sent[name] and type(row[name]) is type(sent[name])
    assert row["page_url"] == page_url(sent["page_url"])
    stored = urlsplit(row["page_url"])
    assert (stored.username, stored.password, stored.query, stored.fragment) == (
        None, None, "", "")


def test_any_json_value(app):
    @SETTINGS
    @given(json_values)
    def check(value):
        answered(app, json.dumps(value).encode())

    check()


def test_any_byte_string(app):
    @SETTINGS
    @given(st.binary(max_size=600) | json_values.map(lambda v: json.dumps(v).encode()[:-1]))
    def check(data):
        answered(app, data)

    check()


@st.composite
def mutated_events(draw):
    body = event()
    kind = draw(st.sampled_from(["patterned", "replace", "nasty", "drop", "add"]))
    field = draw(st.sampled_from(FIELDS))
    if kind == "patterned":
        # Values the patterns allow (most of them stored), credentials and queries included.
        body["page_url"] = draw(st.from_regex(PAGE_URL, fullmatch=True).filter(
            lambda u: len(u) <= 2048))
        body["client_time"] = draw(st.from_regex(ISO_TIME, fullmatch=True))
    elif kind == "replace":
        body[field] = draw(json_values)
    elif kind == "nasty":
        body[field] = draw(nasty_text)
    elif kind == "drop":
        body.pop(field, None)  # `release` is optional, and not in event()
    else:
        body[draw(st.text(max_size=8))] = draw(json_values)
    return json.dumps(body).encode()


def test_any_mutation_of_a_valid_event(app, db_kind):
    @SETTINGS
    @given(mutated_events())
    def check(data):
        answered(app, data)

    check()
    print(f"\n{db_kind}: statuses over the three properties so far: "
          f"{dict(sorted(STATUSES.items()))}")
    assert STATUSES[201] > 0 and STATUSES[400] > 0
