/* The campaign page's progress bar: while the campaign is scheduled or sending, asks every few seconds how far
   the sending is and moves the bar. Without this script the page shows the same figures as text. */
(function () {
  "use strict";
  var EVERY_MS = 3000;
  function poll(box) {
    var bar = document.getElementById("campaign-progress-bar");
    var text = document.getElementById("campaign-progress-text");
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
        if (text) { text.textContent = data.text; }
        box.dataset.status = data.status;
        if (data.live) { setTimeout(function () { poll(box); }, EVERY_MS); }
      })
      .catch(function () { setTimeout(function () { poll(box); }, EVERY_MS * 5); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("campaign-progress");
    if (box && box.dataset.url) { poll(box); }
  });
})();
