/* Consent banner. One closure: nothing leaks but window.ConsentBanner.
   The build inserts SITE, TEXTS and CSS right after this file. */
(function (window, document) {
  "use strict";
