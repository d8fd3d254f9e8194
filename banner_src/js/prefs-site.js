/* What the preferences chunk carries of the site, beside its code (the build wraps the
   compiled chunk in a function that holds it as `prefsData`, bundle.py prefs_script): the
   texts only the preferences show, in the bundle's language; each category's title,
   description and items (cookies and services), in the site's order; the dialog's CSS. */
/* global prefsData */
import { SITE } from "./lent.js";

export const { texts: prefsTexts, css: prefsCss } = prefsData;
export const categories = SITE.categories.map((category, at) => ({ ...category, ...prefsData.categories[at] }));
