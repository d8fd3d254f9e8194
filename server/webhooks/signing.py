"""The Standard Webhooks headers of one attempt, signed with the reference library."""

from __future__ import annotations

from datetime import datetime

from standardwebhooks import Webhook

# Not part of the standard: the attempt's number, 1 for the first. A receiver that sees the
# same webhook-id again finds here that it is a retry (at-least-once delivery).
ATTEMPT_HEADER = "webhook-attempt"


def headers(secret: str, message_id: str, moment: datetime, payload: str,
            attempt: int) -> dict[str, str]:
    """`webhook-signature` signs `message_id.timestamp.payload` (HMAC-SHA256, base64, `v1,`)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, moment, payload),
        ATTEMPT_HEADER: str(attempt),
        "Content-Type": "application/json",
    }
