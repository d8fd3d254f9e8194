"""Signed webhooks (Standard Webhooks) from a transactional outbox.

An owner registers endpoints per site (console or CLI). Every consent event of such a site is
queued for each of its endpoints in the very transaction that records it (store.record_many), and
`flask --app server webhooks deliver` sends the queue: signed, retried with backoff for three
days, in order per consent id, every attempt kept.
"""
