/* The visitor's choice. This module owns it: it reads it, decides it, stores it, and
   announces each change to its subscribers (blocking, Consent Mode, sending, the layers,
   the API), which it does not know.

   The choice is kept in one first-party cookie with the contract's own keys, so that it is
   also what get() returns and the core of the event sent. */
import { DAY_MS, GPC } from "./constants.js";
import { readCookies, setCookie } from "./cookies.js";
import { safe } from "./dom.js";
import { categories, SITE } from "./site.js";

/** @typedef {{consent_id: string, revision: number, client_time: string, choices: Object<string, boolean>}} Choice
    consent_id: 128 random bits in hex; client_time: ISO 8601. */
/** @typedef {{choice: Choice, action: string, withdrawn: object[], reloadNeeded: boolean}} Change
    withdrawn: the categories refused that were granted; reloadNeeded: some of their
    scripts already ran on this page, which only a reload stops. */

/** @type {Choice | null} the valid choice, or null: then the first layer asks */
export let choice = null;
export let seenChoice = null; // whatever the cookie held, even stale: keeps the consent id across revisions
const subscribers = [];
const ranOnThisPage = {}; // categories whose scripts or frames already ran

/* 128 random bits as lower-case hex: the consent and event ids. */
export const randomHex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
  (byte) => (byte + 256).toString(16).slice(1)).join("");

/* A subscriber that throws stops neither the others nor the decision. */
export const subscribe = (fn) => subscribers.push(safe(fn));

export const markRan = (id) => ranOnThisPage[id] = true;

/* An unreadable cookie is no choice at all: never a crash. */
export const readChoice = () => {
  try {
    seenChoice = JSON.parse(decodeURIComponent(readCookies()[SITE.cookieName]));
    if (!/^[0-9a-f]{32}$/.test(seenChoice.consent_id) || !seenChoice.choices) seenChoice = null;
  } catch {
    seenChoice = null;
  }
  choice = seenChoice && seenChoice.revision === SITE.revision &&
    Date.now() - Date.parse(seenChoice.client_time) < SITE.lifetime * DAY_MS ? seenChoice : null;
};

export const isGranted = (id) => categories.some((category) =>
  category.id == id && (category.required || !!choice && !!choice.choices[id]));

export const copyChoice = () => choice && structuredClone(choice);

/* Record a choice and announce it. */
const decide = (wanted, action) => {
  const previous = choice || seenChoice, choices = {}, withdrawn = [];
  for (const category of categories) {
    choices[category.id] = !!(category.required || wanted[category.id]);
    if (previous && previous.choices[category.id] && !choices[category.id]) withdrawn.push(category);
  }
  choice = seenChoice = { consent_id: previous ? previous.consent_id : randomHex(), revision: SITE.revision,
    client_time: new Date().toISOString(), choices };
  setCookie(SITE.cookieName, encodeURIComponent(JSON.stringify(choice)), SITE.lifetime * 86400);
  const change = { choice, action: withdrawn[0] ? "withdraw" : action, withdrawn,
    reloadNeeded: withdrawn.some((category) => ranOnThisPage[category.id]) };
  for (const fn of subscribers) fn(change);
};

/* GPC asks that targeting (the categories behind ad_storage) stay off: "accept all" leaves
   it out, and the preferences say so. */
export const acceptAll = () => decide(Object.fromEntries(categories.map((category) =>
  [category.id, !(GPC && category.consentMode.includes("ad_storage"))])), "accept_all");

export const refuseAll = () => decide({}, "refuse_all");

export const setChoices = (changed) => decide({ ...(choice && choice.choices), ...changed }, "custom");
