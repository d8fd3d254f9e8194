"""Proof of consent: each choice reaches the endpoint with the contract's body; failures
wait in localStorage and are retried; old ones are dropped; pagehide uses sendBeacon."""

from __future__ import annotations

import json
import re
import time

HEX32 = re.compile(r"^[0-9a-f]{32}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def bodies(w) -> list[dict]:
    return [json.loads(body) for _, body, _ in w.events()]


def test_each_choice_is_sent_with_the_contract_body_and_its_cookie_when_same_origin(w):
    w.driver.get(w.server.url + "/p/basic.html?utm=1#top")
    w.wait(lambda: w.find("[role=region]"))
    w.press("Tout accepter")
    w.wait(lambda: w.events())
    headers, body, _ = w.events()[0]
    assert headers["Content-Type"] == "text/plain;charset=UTF-8"  # no CORS preflight
    # The page and the endpoint share this origin: the choice's cookie goes with it, for the
    # server to send back (first-party mode, tests/test_first_party.py).
    assert headers["Cookie"] == "consent_banner=" + w.cookies()["consent_banner"]
    event = json.loads(body)
    assert set(event) == {"site", "release", "revision", "consent_id", "event_id", "action",
                          "choices", "language", "page_url", "gpc", "client_time"}
    assert event["site"] == "kppay" and event["revision"] == 1
    # The release the page was shown: the build's content hash, from the bundle's site data.
    manifest = json.loads((w.dist_dir / "kppay" / "manifest.json").read_text())
    assert re.fullmatch(r"[0-9a-f]{64}", event["release"])
    assert event["release"] == manifest["release"]
    assert HEX32.match(event["consent_id"]) and HEX32.match(event["event_id"])
    assert event["consent_id"] != event["event_id"]
    assert event["action"] == "accept_all"
    assert event["choices"] == dict.fromkeys(
        ["essential", "performance", "functionality", "targeting", "social"], True)
    assert event["language"] == "fr"
    assert event["page_url"] == w.server.url + "/p/basic.html"
    assert event["gpc"] is False and ISO.match(event["client_time"])
    w.wait(lambda: w.queue() == [])  # removed after the 201
    # A refusal is sent like an acceptance; the consent id stays, the event id changes.
    w.js("ConsentBanner.refuseAll()")
    w.wait(lambda: len(w.events()) == 2)
    second = bodies(w)[1]
    assert second["action"] == "withdraw"  # it refused what was granted
    assert second["consent_id"] == event["consent_id"]
    assert second["event_id"] != event["event_id"]
    w.js("ConsentBanner.set({performance: true})")
    w.wait(lambda: len(w.events()) == 3)
    assert bodies(w)[2]["action"] == "custom"


def test_a_failed_send_waits_in_local_storage_and_is_retried_with_backoff(w):
    w.server.state.status = 503
    w.open()
    w.press("Tout refuser")
    w.wait(lambda: w.events() and w.queue() and w.queue()[0]["n"] == 1)
    queued = w.queue()[0]
    assert queued["e"]["action"] == "refuse_all"
    assert queued["a"] > time.time() * 1000  # not before its backoff
    w.server.state.status = 201
    w.wait(lambda: w.queue() == [], timeout=6)  # retried on the same page after ~2 s
    ids = [b["event_id"] for b in bodies(w)]
    assert len(ids) == 2 and ids[0] == ids[1]  # the same event: the server de-duplicates
    assert [status for _, _, status in w.events()] == [503, 201]


def test_the_next_page_sends_what_waits_and_drops_what_is_older_than_30_days(w):
    def event(event_id: str, days_ago: float) -> dict:
        when = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - days_ago * 86400))
        return {"site": "kppay", "revision": 1, "consent_id": "c" * 32, "event_id": event_id,
                "action": "refuse_all", "choices": {"essential": True}, "language": "fr",
                "page_url": w.server.url + "/", "gpc": False, "client_time": when}

    w.driver.get(w.server.url + "/blank")
    w.js("localStorage.setItem('consent_banner_queue', arguments[0])", json.dumps([
        {"e": event("1" * 32, 2), "n": 3, "a": 0}, {"e": event("2" * 32, 31), "n": 9, "a": 0}]))
    w.open()
    w.wait(lambda: w.queue() == [])
    assert [b["event_id"] for b in bodies(w)] == ["1" * 32]


def test_a_rejected_event_is_not_retried(w):
    w.server.state.status = 400
    w.open()
    w.press("Tout refuser")
    w.wait(lambda: w.events())
    w.wait(lambda: w.queue() == [])
    time.sleep(0.3)
    assert len(w.events()) == 1


def test_leaving_the_page_sends_what_waits_by_beacon_and_keeps_it_queued(w):
    w.server.state.status = 503
    w.open()
    w.press("Tout accepter")
    w.wait(lambda: w.queue() and w.queue()[0]["n"] == 1)
    w.driver.get(w.server.url + "/blank")  # pagehide
    w.wait(lambda: len(w.events()) == 2)
    headers, body, _ = w.events()[1]
    assert headers.get("Sec-Fetch-Mode") == "no-cors"  # sendBeacon, not fetch
    assert json.loads(body)["event_id"] == bodies(w)[0]["event_id"]
    assert len(w.queue()) == 1  # no answer seen: it stays until a 2xx


def test_an_event_the_server_refuses_leaves_the_queue_and_shows_no_reference(w):
    w.server.state.status = 403  # e.g. an origin the server does not allow
    w.open()
    w.press("Tout refuser")
    w.wait(lambda: w.events())
    w.wait(lambda: w.queue() == [])
    time.sleep(2.5)  # past the first backoff (2 s): nothing is sent again
    assert len(w.events()) == 1
    w.js("ConsentBanner.show()")
    w.wait(lambda: w.find("[role=dialog]"))
    assert w.find("[role=dialog] .ref") is None  # no reference for a choice the server refused
    # A new choice that the server accepts shows its reference again.
    w.server.state.status = 201
    w.press("Tout accepter")
    w.wait(lambda: len(w.events()) == 2 and w.queue() == [])
    w.js("ConsentBanner.show()")
    w.wait(lambda: w.find("[role=dialog] .ref"))


def test_too_many_requests_is_retried(w):
    w.server.state.status = 429
    w.open()
    w.press("Tout refuser")
    w.wait(lambda: w.queue() and w.queue()[0]["n"] == 1)
    w.server.state.status = 201
    w.wait(lambda: w.queue() == [], timeout=6)
    assert [status for _, _, status in w.events()] == [429, 201]


def test_a_page_where_the_visitor_has_not_chosen_holds_no_storage_of_ours(w):
    """A crawler listing what a page stores before any choice finds nothing of ours: the
    queue's key exists only while an event waits."""
    w.open()
    w.wait(lambda: w.find(".L button"))
    w.js("return new Promise(r => setTimeout(r, 300))")  # the start-up flush has run
    assert w.js("return Object.keys(localStorage)") == []
    assert w.js("return document.cookie") == ""
    w.server.state.status = 503
    w.press("Tout refuser")
    w.wait(lambda: w.queue() and w.queue()[0]["n"] == 1)  # waiting: kept
    w.server.state.status = 201
    w.wait(lambda: w.js("return Object.keys(localStorage)") == [], timeout=6)  # sent: gone
