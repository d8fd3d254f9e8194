"""Visitors' rights requests (policy section 7): the form at /rights/<site> (views.py), their
storage with a due date and an append-only trail (requests.py, tables.py). The owner answers
them in the console's inbox (server/console/inbox.py)."""
