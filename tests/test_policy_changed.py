"""The first layer says why a visitor is asked again after the policy changed (issue 15, policy
section 10): with the date of the change from site.toml's `revised`, in the visitor's language;
never to a first visit, nor where the site does not say when."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from consent_build.errors import BuildError

from .conftest import SITE_TOML, build_site


def revised_site(tmp_path, extra: str = 'revised = "2026-11-01"\n'):
    text = SITE_TOML.read_text(encoding="utf-8").replace("revision = 1\n",
                                                         "revision = 2\n" + extra)
    site = tmp_path / "kppay.toml"
    site.write_text(text, encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def revised(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("revised")
    build_site(tmp / "dist", revised_site(tmp))
    return tmp / "dist" / "kppay"


def chose_revision_1(w) -> None:
    """A visitor who chose under revision 1 (the cookie the banner wrote then)."""
    w.driver.get(w.server.url + "/blank")
    choice = {"consent_id": "ab" * 16, "revision": 1, "client_time": "2026-10-01T08:00:00.000Z",
              "choices": {"essential": True, "performance": True, "functionality": False,
                          "targeting": False, "social": False}}
    w.driver.add_cookie({"name": "consent_banner", "path": "/",
                         "value": quote(json.dumps(choice, separators=(",", ":")))})


def test_a_visitor_of_an_earlier_revision_is_told_when_the_policy_changed(w, revised):
    w.server.state.bundle = revised
    chose_revision_1(w)
    w.open()
    assert "Notre Politique d'Utilisation des Cookies a changé le 1 novembre 2026. Merci de " \
        "revoir vos choix." in w.text()
    w.js("document.querySelector('[data-consent-banner]').shadowRoot"
         ".querySelector('.lg button').click()")
    w.wait(lambda: "Accept all" in w.text())
    assert "Our cookie policy changed on November 1, 2026. Please review your choices." in w.text()


def test_a_first_visit_is_not_told_of_a_change(w, revised):
    w.server.state.bundle = revised
    w.open()
    assert "a changé" not in w.text() and "Tout accepter" in w.text()


def test_without_a_date_nothing_is_said(w, tmp_path):
    build_site(tmp_path / "dist", revised_site(tmp_path, extra=""))
    w.server.state.bundle = tmp_path / "dist" / "kppay"
    chose_revision_1(w)
    w.open()
    assert "a changé" not in w.text() and "Tout accepter" in w.text()


def test_a_date_that_is_not_one_is_refused(tmp_path):
    with pytest.raises(BuildError) as refused:
        build_site(tmp_path / "dist", revised_site(tmp_path, 'revised = "2026-13-01"\n'))
    (problem,) = refused.value.problems
    assert problem.line == 16 and "a date written YYYY-MM-DD" in problem.message
