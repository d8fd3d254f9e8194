/* The check of the page's brand colours, compiled apart: the build puts it in the site data
   of a site that allows them (site.toml's theme.page_colours) as a function of the banner's
   root and two of dom.js's helpers (bundle.site_data writes its parameters, root.js calls
   it). It runs once, and again when the colour scheme changes: the page may give each
   scheme its own colours. */
/* global root, addStyles, safe */
import { brand } from "./brand.js";

const rebrand = safe(() => brand(root, addStyles));
rebrand();
matchMedia("(prefers-color-scheme:dark)").addEventListener("change", rebrand);
