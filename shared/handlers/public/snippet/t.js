// Tally's landing-page snippet (SPEC 10). Served as /t.js with the
// program's cookie_days in place of __DAYS__. No eval, no inline code or
// style: it works under a strict Content-Security-Policy.
(function () {
  "use strict";
  var N = "tally_click", DAYS = __DAYS__, w = window, d = document;
  var ok = /^[A-Za-z0-9._-]{1,200}$/;

  function fromURL() {
    try {
      var t = new URLSearchParams(w.location.search).get(N);
      return t && ok.test(t) ? t : null;
    } catch (e) { return null; }
  }
  function stored() {
    try {
      var v = (w.localStorage.getItem(N) || "").split("|");
      if (ok.test(v[0]) && +v[1] > Date.now()) { return v[0]; }
    } catch (e) { /* storage off: the cookie still holds it */ }
    var m = d.cookie.match(/(?:^|; )tally_click=([A-Za-z0-9._-]{1,200})(?:;|$)/);
    return m ? m[1] : null;
  }
  function keep(t) {
    try { w.localStorage.setItem(N, t + "|" + (Date.now() + DAYS * 864e5)); } catch (e) { /* cookie only */ }
    d.cookie = N + "=" + t + "; Max-Age=" + DAYS * 86400 + "; Path=/; SameSite=Lax" +
      (w.location.protocol === "https:" ? "; Secure" : "");
  }

  var click = fromURL();
  if (click) { keep(click); } else { click = stored(); }
  // Stripe's client_reference_id takes letters, digits, - and _ only.
  var ref = click ? click.replace(/\./g, "_") : null;
  w.tally = { click: click, stripeRef: ref };
  if (!click) { return; }

  function apply(root) {
    if (!root.querySelectorAll) { return; }
    var inputs = root.querySelectorAll("input[name=tally_click]");
    for (var i = 0; i < inputs.length; i++) { inputs[i].value = click; }
    if (root.matches && root.matches("input[name=tally_click]")) { root.value = click; }
    var links = root.querySelectorAll("a[href^='https://buy.stripe.com/']");
    for (var j = 0; j < links.length; j++) { decorate(links[j]); }
    if (root.matches && root.matches("a[href^='https://buy.stripe.com/']")) { decorate(root); }
  }
  function decorate(a) {
    try {
      var u = new URL(a.href);
      if (u.searchParams.get("client_reference_id") !== ref) {
        u.searchParams.set("client_reference_id", ref);
        a.href = u.toString();
      }
    } catch (e) { /* not a URL: leave it */ }
  }
  function start() {
    apply(d);
    if (w.MutationObserver) {
      new MutationObserver(function (ms) {
        for (var i = 0; i < ms.length; i++) {
          for (var j = 0; j < ms[i].addedNodes.length; j++) { apply(ms[i].addedNodes[j]); }
        }
      }).observe(d.documentElement, { childList: true, subtree: true });
    }
    // A Shopify storefront: the cart carries the click to the order, once.
    var sent = "tally_click_cart";
    if (w.Shopify && w.fetch) {
      try { if (w.localStorage.getItem(sent) === click) { return; } } catch (e) { /* post again */ }
      w.fetch("/cart/update.js", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ attributes: { tally_click: click } })
      }).then(function (r) {
        if (r.ok) { try { w.localStorage.setItem(sent, click); } catch (e) { /* fine */ } }
      }, function () { /* the next page tries again */ });
    }
  }
  if (d.readyState === "loading") { d.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
