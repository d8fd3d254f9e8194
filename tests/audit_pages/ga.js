/* A Google Analytics-like tag: a client id kept two years. */
document.cookie = "_ga=GA1.1." + Date.now() + "; Max-Age=" + 730 * 86400 + "; Path=/; SameSite=Lax";
