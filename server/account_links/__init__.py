"""Account links (Espace Client): a site's own back end, holding one of the site's API keys,
links the consent id of a visitor's browser to their customer account when they log in; the
console, a rights request and the API then see every consent of that account, across devices.
Keys and account identifiers are stored as keyed hashes only (keys.py, links.py)."""
