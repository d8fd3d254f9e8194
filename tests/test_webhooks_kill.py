"""kill -9 between commit and delivery loses no webhook: the app server and the deliverer are killed
mid-load, a new deliverer sends every acknowledged event, in order per consent id."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from .server_helpers import event
from .stack_kit import start_stack
from .webhook_receiver import Receiver

SECRET = "ab" * 32
WEBHOOKS = {"CONSENT_SECRET": SECRET, "CONSENT_WEBHOOK_LOCAL": "1",
            "CONSENT_WEBHOOK_TIMEOUT": "1", "CONSENT_WEBHOOK_BACKOFF": "0.05",
            "CONSENT_WEBHOOK_BACKOFF_MAX": "0.5", "CONSENT_WEBHOOK_SETTLE": "0.5"}


def start_deliverer(db_url: str, dist_dir, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "CONSENT_DIST_DIR": str(dist_dir),
           "CONSENT_INSTANCE_PATH": str(tmp_path / "instance"), **WEBHOOKS}
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "deliverer.log", "a")  # noqa: SIM115 - the child keeps it
    flask = Path(sys.executable).with_name("flask")
    process = subprocess.Popen([str(flask), "--app", "server", "webhooks", "deliver",
                                "--batch", "2", "--idle", "0.05"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return process


def test_kill_9_of_server_and_deliverer_loses_no_webhook(make_app, db_url, dist_dir, tmp_path):
    receiver = Receiver()
    setup = make_app(CONSENT_SECRET=SECRET, CONSENT_WEBHOOK_LOCAL=True,
                     CONSENT_INSTANCE_PATH=str(tmp_path / "instance"))
    added = setup.test_cli_runner().invoke(args=["webhooks", "add", "--site", "kppay",
                                                 receiver.url])
    assert added.exit_code == 0, added.output
    receiver.secret = re.search(r"(whsec_\S+)", added.output).group(1)

    stack = start_stack(db_url, dist_dir, tmp_path, **WEBHOOKS)
    port = stack.port
    deliverer = start_deliverer(db_url, dist_dir, tmp_path)
    acknowledged: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()

    def client(consent_id: str) -> None:
        for _ in range(2000):  # bounded; the kill ends it long before
            body = event(consent_id=consent_id)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("POST", "/api/v1/consents", body=json.dumps(body),
                                   headers={"Content-Type": "text/plain;charset=UTF-8"})
                if connection.getresponse().status != 201:  # nginx's 503: the app is gone
                    return
                with lock:
                    acknowledged[consent_id].append(body["event_id"])
            except (OSError, http.client.HTTPException):
                return
            finally:
                connection.close()

    clients = [threading.Thread(target=client, args=(event()["consent_id"],)) for _ in range(4)]
    try:
        for thread in clients:
            thread.start()
        # Kill once events are being both written and delivered, not after a fixed time.
        deadline = time.monotonic() + 60
        while ((sum(map(len, acknowledged.values())) < 150 or len(receiver.received) < 10)
               and time.monotonic() < deadline):
            time.sleep(0.05)
        stack.kill_app()
        os.killpg(deliverer.pid, signal.SIGKILL)
        deliverer.wait(timeout=10)
        for thread in clients:
            thread.join(timeout=30)
        sent = {c: list(ids) for c, ids in acknowledged.items()}
        total = sum(map(len, sent.values()))
        assert total > 50, "the load never started"
        before = len(receiver.received)
        assert 0 < before, "nothing was delivered before the kill"

        # A new deliverer, as a supervisor would start: the killed one's lease runs out first.
        deliverer = start_deliverer(db_url, dist_dir, tmp_path)
        wanted = {i for ids in sent.values() for i in ids}
        deadline = time.monotonic() + 120
        while not wanted <= {e["event_id"] for e in receiver.events()}:
            assert time.monotonic() < deadline, (
                f"{len(wanted - {e['event_id'] for e in receiver.events()})} acknowledged "
                f"events never delivered:\n" + (tmp_path / "deliverer.log").read_text()[-2000:])
            time.sleep(0.1)
    finally:
        stack.stop()
        if deliverer.poll() is None:
            os.killpg(deliverer.pid, signal.SIGTERM)
            deliverer.wait(timeout=10)
        receiver.down()

    assert all(r.verified for r in receiver.received)
    arrived = defaultdict(list)
    marks = defaultdict(list)
    for received in receiver.received:
        data = received.payload["data"]
        arrived[data["consent_id"]].append(data["event_id"])
        marks[received.webhook_id].append(received.attempt)
    for consent_id, ids in sent.items():
        first_arrivals = [i for i in dict.fromkeys(arrived[consent_id]) if i in set(ids)]
        assert first_arrivals == ids, f"out of order for {consent_id}"
    # A webhook-id seen twice is a marked retry (the killed deliverer's message sent again).
    assert all(len(set(numbers)) == len(numbers) for numbers in marks.values())
    again = sum(len(n) - 1 for n in marks.values())
    print(f"\n{total} acknowledged, {before} delivered before kill -9, all {len(wanted)} "
          f"delivered after; {again} sent again as marked retries")
