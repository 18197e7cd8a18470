/* Capture forms in the shop: <script src="https://<our site>/static/js/emk-form.js" data-form="<slug>" async></script>
   puts the form's page in an iframe where the tag stands, in the page's language (or data-lang), and makes the
   frame as tall as the form. Nothing is loaded from anywhere but our site; only messages that come from our site
   and from this frame are read. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.getAttribute("data-form")) {
    return;
  }
  var origin = new URL(script.src, document.baseURI).origin;
  var base = script.getAttribute("data-base") || origin + "/f/";
  var slug = script.getAttribute("data-form");
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "").slice(0, 2);
  var frame = document.createElement("iframe");
  frame.src = base + encodeURIComponent(slug) + "/?embed=1" + (lang ? "&lang=" + encodeURIComponent(lang) : "");
  frame.title = script.getAttribute("data-title") || slug;
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.minHeight = "12rem";
  frame.setAttribute("scrolling", "no");
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) {
      return;
    }
    var data = event.data;
    if (!data || data.type !== "emk-form:height" || typeof data.height !== "number" || !isFinite(data.height)) {
      return;
    }
    frame.style.height = Math.min(Math.max(Math.ceil(data.height), 100), 5000) + "px";
  });
})();
