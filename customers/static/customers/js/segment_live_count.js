/* The live count of a segment's change form: sends the condition rows, shows how many customers match. */
(function () {
  "use strict";
  function rows() {
    var out = [];
    document.querySelectorAll("[id^='id_conditions-'][id$='-field']").forEach(function (select) {
      var prefix = select.id.slice(0, -"field".length);
      var get = function (name) { var el = document.getElementById(prefix + name); return el ? el.value : ""; };
      var deleted = document.getElementById(prefix + "DELETE");
      if (!select.value || (deleted && deleted.checked) || prefix.indexOf("__prefix__") !== -1) { return; }
      out.push({group: get("group"), field: select.value, lookup: get("lookup"), value: get("value"),
                product: get("product"), campaign: get("campaign"), need: get("need")});
    });
    return out;
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  var timer = null;
  function refresh() {
    var box = document.getElementById("segment-live-count");
    var text = document.getElementById("segment-live-count-text");
    if (!box || !text) { return; }
    fetch(box.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify({conditions: rows()})
    }).then(function (r) { return r.json(); }).then(function (data) {
      text.textContent = data.error ? data.error : box.dataset.label + " " + data.count.toLocaleString();
    }).catch(function () { text.textContent = box.dataset.error; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("segment-live-count")) { return; }
    document.addEventListener("input", function (e) { if (e.target.id && e.target.id.indexOf("id_conditions-") === 0) { later(); } });
    document.addEventListener("change", function (e) { if (e.target.id && e.target.id.indexOf("id_conditions-") === 0) { later(); } });
    refresh();
  });
})();
