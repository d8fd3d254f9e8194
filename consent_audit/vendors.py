"""Other vendors' consent banners, recognised so that the audit can say whose banner a page shows
when ours is not there. Each is a JavaScript test on the page: a global or an element of theirs."""

from __future__ import annotations

VENDORS = [
    ("OneTrust", "window.OneTrust || document.getElementById('onetrust-consent-sdk')"),
    ("Cookiebot", "window.Cookiebot || document.getElementById('CybotCookiebotDialog')"),
    ("Didomi", "window.Didomi || document.getElementById('didomi-host')"),
    ("Axeptio", "window.axeptioSDK || window.axeptioSettings"
                " || document.getElementById('axeptio_overlay')"),
    ("Usercentrics", "window.UC_UI || document.getElementById('usercentrics-root')"),
    ("tarteaucitron", "window.tarteaucitron || document.getElementById('tarteaucitronRoot')"),
    ("CookieConsent (orestbida)", "window.CookieConsent || document.getElementById('cc-main')"),
    ("Osano Cookie Consent", "window.Osano || document.querySelector('.cc-window')"),
    ("Klaro", "window.klaro || document.querySelector('.klaro')"),
    ("Complianz", "window.complianz || document.getElementById('cmplz-cookiebanner-container')"),
    ("CookieYes", "window.getCkyConsent || document.querySelector('.cky-consent-container')"),
    ("iubenda", "(window._iub && window._iub.cs) || document.getElementById('iubenda-cs-banner')"),
    ("Quantcast Choice", "document.querySelector('.qc-cmp2-container')"),
    ("TrustArc", "window.truste || document.getElementById('truste-consent-track')"),
    ("Sourcepoint", "window._sp_ || document.querySelector('[id^=sp_message_container]')"),
    # Last: the IAB framework many platforms implement, when none above is recognised.
    ("an IAB TCF consent platform", "typeof window.__tcfapi === 'function'"),
]

# One script that returns the first vendor whose test holds, or null.
DETECT = "\n".join(
    ["try {"]
    + [f"  if ({test}) return {name!r};" for name, test in VENDORS]
    + ["} catch (e) {}", "return null;"])
