/* Google Consent Mode v2, only when the page has gtag or dataLayer: `default` (all denied
   but what required categories cover) before any choice, `update` on each change. The
   page's own gtag or dataLayer may throw: safe reports it and the banner carries on. */
import { safe } from "./dom.js";
import { categories } from "./site.js";

export const tellConsentMode = safe((kind, choices) => {
  const signals = {};
  let gtag = window.gtag;
  if (typeof gtag != "function") {
    if (!window.dataLayer) return;
    // What gtag() itself does: push the arguments object.
    gtag = function () { window.dataLayer.push(arguments); };
  }
  for (const category of categories) {
    for (const signal of category.consentMode) {
      signals[signal] = (choices ? choices[category.id] : category.required) ? "granted" : "denied";
    }
  }
  gtag("consent", kind, signals);
});

/* A subscriber of the choice (consent.js). */
export const updateConsentMode = ({ choice }) => tellConsentMode("update", choice.choices);
