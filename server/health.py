"""`GET /healthz`: the app runs and its database answers, for load balancers and monitors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from .db import get_engine
from .tables import events

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    # Reading the table, not just SELECT 1: a reachable but unmigrated database is not healthy.
    with get_engine().connect() as connection:
        connection.execute(sa.select(events.c.id).limit(1)).all()
    response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
