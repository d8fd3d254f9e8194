"""The building blocks of the proofs checked against the standards' own examples: RFC 8785
(canonical JSON), RFC 8037 and RFC 7638 (Ed25519 JWS and key thumbprints), RFC 6962 (Merkle
tree heads, from Certificate Transparency's test data) and RFC 9162 (inclusion proofs)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from server import merkle
from server.signing import (
    BadSignature,
    b64url,
    canonical,
    canonical_event,
    from_jwks,
    public_jwk,
    unb64url,
)


def test_rfc8785_section_3_2_2_example():
    text = r'''{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }'''
    assert canonical(json.loads(text)) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}').encode()


def test_rfc8785_section_3_2_3_sorts_keys_by_utf16_code_units():
    text = r'''{"\u20ac": "Euro Sign", "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"}'''
    values = list(json.loads(canonical(json.loads(text))).values())
    assert values == ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis",
                      "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"]


@pytest.mark.parametrize(("number", "text"), [
    (0.0, "0"), (-0.0, "0"), (1e21, "1e+21"), (1e-7, "1e-7"),
    (9007199254740991, "9007199254740991"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (295147905179352830000.0, "295147905179352830000"),
])
def test_rfc8785_appendix_b_numbers(number, text):
    assert canonical(number) == text.encode()


# Any text the payload checks let through: no unpaired surrogate (payload.py refuses them).
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_ID = st.from_regex(r"[a-z][a-z0-9_-]{0,39}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries(
    {name: _TEXT for name in ("event_id", "consent_id", "site", "action", "language",
                              "page_url", "user_agent", "ip_pseudonym", "server_time")},
    optional={"client_time": st.none() | _TEXT, "gpc": st.booleans(),
              "revision": st.integers(-(2**53) + 1, 2**53 - 1),
              "choices": st.dictionaries(_ID, st.booleans(), max_size=8)}))
def test_the_events_fast_canonical_form_is_rfc8785(statement):
    assert canonical_event(statement) == canonical(statement)


def test_an_event_holds_no_number_that_is_not_an_integer():
    """canonical_event's premise: JSON numbers of an event are integers (floats are written
    differently by RFC 8785 and json.dumps)."""
    from server.contract import FIELDS, STATED

    kinds = {f.name: f.column.python_type for f in FIELDS if f.name in STATED
             and f.name != "choices"}
    assert float not in kinds.values()


# RFC 8037 appendix A.1 and A.3: the Ed25519 test key and its RFC 7638 thumbprint.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"


def test_rfc8037_key_its_thumbprint_and_signature():
    key = Ed25519PrivateKey.from_private_bytes(unb64url(RFC8037_D))
    jwk = public_jwk(key.public_key())
    assert jwk["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert jwk["kid"] == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    # A.4: the signature of "Example of Ed25519 signing" under {"alg":"EdDSA"}.
    signing_input = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    assert b64url(key.sign(signing_input)) == (
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")


def test_our_jws_verifies_and_refuses_what_it_must():
    key = Ed25519PrivateKey.generate()
    jwk = public_jwk(key.public_key())
    ring = from_jwks({"keys": [jwk]}, key, jwk["kid"])
    token = ring.sign(b'{"a":1}')
    assert ring.verify(token) == (jwk["kid"], b'{"a":1}')
    head, body, signature = token.split(".")
    other = public_jwk(Ed25519PrivateKey.generate().public_key())
    changed, none = b64url(b'{"a":2}'), b64url(b'{"alg":"none","kid":"x"}')
    for bad, message in [
        (f"{head}.{changed}.{signature}", "does not verify"),
        (f"{none}.{body}.", "malformed"),
        (f"{b64url(canonical({'alg': 'HS256', 'kid': jwk['kid']}))}.{body}.{signature}",
         "alg is not EdDSA"),
        (f"{b64url(canonical({'alg': 'EdDSA', 'kid': other['kid']}))}.{body}.{signature}",
         "no published key"),
        (f"{b64url(canonical({'alg': 'EdDSA', 'crit': ['b64'], 'kid': jwk['kid']}))}.{body}."
         f"{signature}", "unexpected JWS header"),
        (f"{head}.{body}", "three base64url parts"),
        (f"{head}.{body}.{signature}=", "malformed"),
    ]:
        with pytest.raises(BadSignature, match=message):
            ring.verify(bad)


# Certificate Transparency's Merkle tree test data (RFC 6962 hashing): the leaves' data and the
# head of the first n leaves.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_rfc6962_tree_heads_match_certificate_transparencys_test_data():
    leaves = [merkle.leaf_hash(bytes.fromhex(d)) for d in CT_LEAVES]
    assert merkle.root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    for n, expected in enumerate(CT_ROOTS, start=1):
        assert merkle.root(leaves[:n]).hex() == expected


def test_a_frontier_resumes_where_it_stopped():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(100)]
    grown = merkle.Frontier()
    for i, leaf in enumerate(leaves):
        resumed = merkle.Frontier(grown.size, list(grown.roots))
        resumed.append(leaf)
        grown.append(leaf)
        assert resumed.root() == grown.root() == merkle.root(leaves[:i + 1])
    with pytest.raises(ValueError):
        merkle.Frontier(3, [leaves[0]])


def test_every_inclusion_proof_leads_to_its_head_and_no_other():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(33)]
    for size in range(1, len(leaves) + 1):
        head = merkle.root(leaves[:size])
        for index in range(size):
            path = merkle.inclusion_proof(index, leaves[:size])
            assert merkle.root_from_proof(index, size, leaves[index], path) == head
            # Another leaf, or the right leaf at another position, does not lead there.
            assert merkle.root_from_proof(index, size, leaves[(index + 1) % 33], path) != head
            if size > 1:
                wrong = (index + 1) % size
                try:
                    assert merkle.root_from_proof(wrong, size, leaves[index], path) != head
                except ValueError:
                    pass  # a path of the wrong length for that position
    with pytest.raises(ValueError):
        merkle.root_from_proof(0, 4, leaves[0], [])
