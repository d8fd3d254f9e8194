/* An audience-measurement tag that the page blocks until "performance" is granted. */
document.cookie = "WT_fpc=id=" + Date.now() + "; Max-Age=" + 395 * 86400 + "; Path=/; SameSite=Lax";
