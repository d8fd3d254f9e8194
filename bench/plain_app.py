"""The baseline of bench/server_bench.py: the simplest Flask app that stores a consent.

Each request's JSON body goes into PostgreSQL as it is, one autocommitted INSERT
(synchronous_commit on), over one psycopg connection per gunicorn thread (a pool the size
of the threads). No checks, no receipt, no rate limit: what any endpoint must at least do.
"""

import os
import threading

import psycopg
from flask import Flask, jsonify, request
from psycopg.types.json import Jsonb

app = Flask(__name__)
local = threading.local()


def connection() -> psycopg.Connection:
    if getattr(local, "connection", None) is None:
        local.connection = psycopg.connect(os.environ["PLAIN_DATABASE_URL"], autocommit=True)
        local.connection.execute("SET synchronous_commit = on")
    return local.connection


@app.post("/api/v1/consents")
def consent():
    connection().execute("INSERT INTO plain_consents (body) VALUES (%s)",
                         [Jsonb(request.get_json(force=True))])
    return jsonify(ok=True), 201


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
