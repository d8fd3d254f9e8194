/* The site's definitions, its texts and the widget's CSS. They are not compiled into the
   widget's code, which serves every site: the build (consent_build/bundle.py) wraps the
   compiled code in a function whose one parameter, `siteData`, holds them. The fields are
   written with the short names the compiler gives them in this code (INTERNAL_PROPERTIES in
   consent_build/js_filters.py); read them by their long names here. What only the
   preferences show (the categories' titles, descriptions and items, their texts and CSS) is
   in the preferences chunk instead (prefs-load.js); `prefs` says where it is. */
/* global siteData */
export const { site: SITE, texts: TEXTS, packs: PACKS, css: CSS, prefs: PREFS } = siteData;
export const categories = SITE.categories;
