/*
 * Website events for the e-marketing platform. On the shop's pages:
 *   <script src="https://<platform>/static/js/emk.js" data-endpoint="https://<platform>/t/w/" async></script>
 * Optional attributes: data-consent="granted" (the page already has consent, or none is required),
 * data-auto="off" (no page view on load).
 * API: emk.consent(bool), emk.page(), emk.product(ref, name[, id]), emk.search(q, results), emk.addToCart(ref,
 * value), emk.checkout(value), emk.identify(token). Nothing is sent, and no cookie is set, until emk.consent(true)
 * (or data-consent="granted"): events wait in the page's memory until then; emk.consent(false) forgets the visitor
 * id and drops what is waiting. A page that loads the script async may define window.emkReady = function (emk) {}.
 * Events are batched and sent with navigator.sendBeacon; the visitor id lives in a first-party cookie of the shop.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = (script && script.getAttribute("data-endpoint")) || "";
  var COOKIE = "emk_vid";
  var queue = [];
  var consented = false;
  var token = "";
  var timer = null;

  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function readCookie() {
    var match = document.cookie.match(/(?:^|;\s*)emk_vid=([A-Za-z0-9_-]{8,64})/);
    return match ? match[1] : "";
  }

  function visitor() {
    var id = readCookie();
    if (!id) {
      id = randomId();
      document.cookie = COOKIE + "=" + id + "; path=/; max-age=" + 60 * 60 * 24 * 395 + "; SameSite=Lax" +
        (location.protocol === "https:" ? "; Secure" : "");
    }
    return id;
  }

  function landing() {
    // Where this visit entered the shop (per tab): its source is the visit's source.
    try {
      var stored = sessionStorage.getItem("emk_landing");
      var outside = document.referrer && new URL(document.referrer).host !== location.host;
      if (!stored || outside || /[?&]utm_source=/.test(location.search)) {
        stored = JSON.stringify({ url: location.href, referrer: document.referrer });
        sessionStorage.setItem("emk_landing", stored);
      }
      return JSON.parse(stored);
    } catch (e) {
      return { url: location.href, referrer: document.referrer };
    }
  }

  function flush() {
    timer = null;
    if (!consented || !endpoint || (!queue.length && !token)) { return; }
    var now = Date.now();
    var events = queue.splice(0, 50).map(function (e) { e.age = now - e.at; delete e.at; return e; });
    var body = JSON.stringify({ visitor: visitor(), consent: true, token: token || undefined,
      landing: landing(), events: events });
    token = "";
    var blob = new Blob([body], { type: "text/plain" });
    if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, blob))) {
      fetch(endpoint, { method: "POST", body: blob, keepalive: true, mode: "cors", credentials: "omit" })
        .catch(function () {});
    }
    if (queue.length) { schedule(); }
  }

  function schedule() {
    if (!timer) { timer = setTimeout(flush, 1000); }
  }

  function record(kind, fields) {
    // Before consent an event waits in this page's memory only: nothing is sent or stored, and emk.consent(false)
    // drops it.
    if (queue.length >= 200) { return; }
    var event = { kind: kind, url: location.href, referrer: document.referrer, at: Date.now() };
    for (var key in fields) { if (fields[key] !== undefined && fields[key] !== null) { event[key] = fields[key]; } }
    queue.push(event);
    if (!consented) { return; }
    if (queue.length >= 20) { flush(); } else { schedule(); }
  }

  var emk = window.emk || {};
  emk.consent = function (given) {
    consented = !!given;
    if (consented) { schedule(); } else {
      queue = [];
      token = "";
      document.cookie = COOKIE + "=; path=/; max-age=0";
      try { sessionStorage.removeItem("emk_landing"); } catch (e) { /* storage refused */ }
    }
  };
  emk.page = function () { record("page_view", {}); };
  emk.product = function (ref, name, id) {
    record("product_view", { ref: String(ref || ""), name: name ? String(name) : undefined,
      id: typeof id === "number" ? id : undefined });
  };
  emk.search = function (q, results) {
    record("search", { q: String(q || ""), results: typeof results === "number" ? results : undefined });
  };
  emk.addToCart = function (ref, value) {
    record("add_to_cart", { ref: String(ref || ""), value: value === undefined ? undefined : String(value) });
  };
  emk.checkout = function (value) {
    record("checkout_started", { value: value === undefined ? undefined : String(value) });
  };
  emk.identify = function (signed) {
    if (!signed) { return; }
    token = String(signed);
    if (consented) { schedule(); }
  };
  window.emk = emk;
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  if (script && script.getAttribute("data-consent") === "granted") { emk.consent(true); }
  if (!script || script.getAttribute("data-auto") !== "off") { emk.page(); }
  var ready = window.emkReady;
  if (typeof ready === "function") { ready(emk); }
}());
