/* The page's brand colours: custom properties the host page sets on the banner's element
   (--consent-background, --consent-text, --consent-accent, --consent-border). The build
   checks site.toml's theme; a page's stylesheet is checked here, in the visitor's browser:
   its colours are taken only when every pair the banner draws keeps WCAG 2.2's contrast,
   else the banner keeps its own and says why in the console. Only in the bundles of sites that
   allow it (brand-entry.js); `addStyles` is dom.js's. */

/* banner.css's properties (background, text, accent, border) and the page's names for them. */
const OWN = ["--b", "--t", "--a", "--m"];
const PAGE = ["background", "text", "accent", "border"];
/* [foreground, background, minimum], as indexes in OWN: consent_build/theme.py's PAIRS
   (tests/test_brand_colours.py checks that they agree). */
const PAIRS = [[1, 0, 4.5], [2, 0, 4.5], [0, 2, 4.5], [3, 0, 3]];

/* WCAG 2.2's relative luminance of a colour as the browser computes it ("rgb(r, g, b)");
   NaN for what it cannot read (a colour with transparency, or outside sRGB). */
const luminance = (probe, colour) => {
  probe.style.color = colour;
  const channels = getComputedStyle(probe).color.match(/^rgb\((\d+), (\d+), (\d+)\)$/) || [];
  return [0.2126, 0.7152, 0.0722].reduce((sum, weight, i) => {
    const c = channels[i + 1] / 255;
    return sum + weight * (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  }, 0);
};

let branded; // the rule that gives the banner the page's colours, while it has them

/* Run when the banner's root is made and when the colour scheme changes (brand-entry.js). */
export const brand = (root, addStyles) => {
  if (branded) addStyles(branded = "", "b"); // the banner's own colours, to measure them
  const page = getComputedStyle(root.host), probe = document.createElement("i");
  probe.className = "k";
  root.append(probe);
  const own = OWN.map((name) => getComputedStyle(probe).getPropertyValue(name).trim());
  const used = own.map((colour, i) => page.getPropertyValue("--consent-" + PAGE[i]).trim() || colour);
  // Nothing to check when the page sets none (the arrays compared as their text).
  const light = used + "" != own && used.map((colour) => luminance(probe, colour));
  probe.remove();
  if (!light) return;
  for (const [fore, back, minimum] of PAIRS) {
    const ratio = (Math.max(light[fore], light[back]) + 0.05) / (Math.min(light[fore], light[back]) + 0.05);
    if (!(ratio >= minimum)) {
      console.warn(`Consent banner: --consent-${PAGE[fore]} ${used[fore]} on --consent-${PAGE[back]} ${used[back]}: contrast ${ratio.toFixed(2)}:1 < ${minimum}:1 (WCAG 2.2 AA); own colours kept`);
      return;
    }
  }
  addStyles(branded = ".k{" + OWN.map((name, i) => name + ":" + used[i]).join(";") + "}", "b");
};
