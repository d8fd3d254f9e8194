/* What the preferences chunk uses of the core, as the core lends it when it runs the chunk
   (prefs-load.js, `lent`): the chunk carries none of the core's code, and no module of the
   chunk imports one of the core. A value that changes (the choice, the language) is lent as
   a function that reads it. `handBack` takes the chunk's entry points (prefs-chunk.js). */
/* global core */
export const {
  currentChoice, acceptAll, refuseAll, setChoices, button, element, safe, translate: _,
  currentLanguage, languageSwitch, bannerRoot, wasRefused, resolveUrl, GPC, SITE, TEXTS, addStyles,
  handBack
} = core;
