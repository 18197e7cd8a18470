/* The capture form's own page: tells the shop's page that frames it how tall it is (only to the shop's origins the
   server lists), and solves the proof of work before the form is sent, when the form asks for one: a number n
   such that SHA-256("<challenge>:<n>") starts with <bits> zero bits. A file of our own: the Content-Security-Policy
   runs no inline script. */
(function () {
  "use strict";
  var origins = (document.body.getAttribute("data-emk-form-origins") || "").split(" ").filter(Boolean);

  function tellHeight() {
    if (window.parent === window) {
      return;
    }
    var height = document.documentElement.scrollHeight;
    origins.forEach(function (origin) {
      window.parent.postMessage({ type: "emk-form:height", height: height }, origin);
    });
  }
  if (window.ResizeObserver) {
    new ResizeObserver(tellHeight).observe(document.body);
  }
  window.addEventListener("load", tellHeight);
  tellHeight();

  // SHA-256 (FIPS 180-4) of an ASCII string, as bytes: small, synchronous, and working where crypto.subtle does not
  // (pages served over plain http).
  var K = [];
  (function () {
    var n = 2, found = 0;
    function frac(x) { return ((x - Math.floor(x)) * 4294967296) | 0; }
    while (found < 64) {
      var prime = true;
      for (var d = 2; d * d <= n; d++) { if (n % d === 0) { prime = false; break; } }
      if (prime) { K[found++] = frac(Math.pow(n, 1 / 3)); }
      n++;
    }
  })();
  function sha256(text) {
    var bytes = [], i;
    for (i = 0; i < text.length; i++) { bytes.push(text.charCodeAt(i) & 255); }
    var bitLength = bytes.length * 8;
    bytes.push(128);
    while (bytes.length % 64 !== 56) { bytes.push(0); }
    for (i = 7; i >= 0; i--) { bytes.push(i > 3 ? 0 : (bitLength >>> (i * 8)) & 255); }
    var h = [1779033703, -1150833019, 1013904242, -1521486534, 1359893119, -1694144372, 528734635, 1541459225];
    var w = new Array(64);
    for (var chunk = 0; chunk < bytes.length; chunk += 64) {
      for (i = 0; i < 16; i++) {
        var j = chunk + i * 4;
        w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var a0 = w[i - 15], a1 = w[i - 2];
        var s0 = ((a0 >>> 7) | (a0 << 25)) ^ ((a0 >>> 18) | (a0 << 14)) ^ (a0 >>> 3);
        var s1 = ((a1 >>> 17) | (a1 << 15)) ^ ((a1 >>> 19) | (a1 << 13)) ^ (a1 >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    return h;
  }
  function zeroBits(words) {
    var bits = 0;
    for (var i = 0; i < words.length; i++) {
      if (words[i] === 0) { bits += 32; continue; }
      return bits + Math.clz32(words[i]);
    }
    return bits;
  }

  var form = document.querySelector("form[data-pow-challenge]");
  if (!form) {
    return;
  }
  var challenge = form.getAttribute("data-pow-challenge");
  var bits = parseInt(form.getAttribute("data-pow-bits"), 10) || 16;
  var status = form.querySelector("[data-pow-status]");
  var answer = null;
  var next = 0;
  var waiting = false;

  function work() {
    var stop = next + 5000;
    for (; next < stop; next++) {
      if (zeroBits(sha256(challenge + ":" + next)) >= bits) {
        answer = String(next);
        form.querySelector("input[name=pow]").value = answer;
        if (status) { status.classList.add("d-none"); }
        if (waiting) { form.submit(); }
        return;
      }
    }
    setTimeout(work, 0);
  }
  work();
  form.addEventListener("submit", function (event) {
    if (answer === null) {
      event.preventDefault();
      waiting = true;
      if (status) { status.classList.remove("d-none"); }
    }
  });
})();
