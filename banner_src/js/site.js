/* The site's definitions, its texts and the widget's CSS. They are not compiled into the
   widget's code, which serves every site: the build (consent_build/bundle.py) wraps the
   compiled code in a function whose one parameter, `siteData`, holds them. */
/* global siteData */
export const { site: SITE, texts: TEXTS, packs: PACKS, css: CSS } = siteData;
export const categories = SITE.categories;
