/* First-party cookies: read them all, write one, delete one wherever it may live. */
import { SITE } from "./site.js";

export const readCookies = () => {
  const cookies = {};
  for (const pair of document.cookie.split("; ")) {
    const at = pair.indexOf("=");
    if (at > 0) cookies[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return cookies;
};

/* On the site's cookie_domain when the page is under it: one choice for all its subdomains;
   elsewhere (a preview, a staging host) the browser would refuse it, so the page's host. */
export const setCookie = (name, value, seconds) => {
  const domain = SITE.cookieDomain;
  document.cookie = name + "=" + value + ";Max-Age=" + seconds + ";Path=/;SameSite=Lax" +
    (domain && ("." + location.hostname).endsWith("." + domain) ? ";Domain=" + domain : "") +
    (location.protocol == "https:" ? ";Secure" : "");
};

/* A cookie may have been set host-only or on any parent domain: expire it on each. */
const deleteCookie = (name) => {
  const expired = name + "=;Max-Age=0;Path=/";
  document.cookie = expired;
  for (let domain = location.hostname.split("."); domain.length; domain.shift()) {
    document.cookie = expired + ";Domain=" + domain.join(".");
  }
};

/* Withdrawal: delete what a category declares, exact names and `prefix*` patterns. The
   build lists them in `cookies` (bundle.py, deleted_cookies): its items (what the preferences
   show of each) are in the preferences chunk, which a withdrawal does not wait for. */
export const deleteCategoryCookies = (category) => {
  for (const name of category.cookies) {
    if (!name.endsWith("*")) deleteCookie(name);
    else for (const found in readCookies()) if (found.startsWith(name.slice(0, -1))) deleteCookie(found);
  }
};
