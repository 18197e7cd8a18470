/* The condition rows of a segment's change form: each field offers only its own conditions, and its values are
   picked from a list (tiers, stages, languages, categories…), typed as a date, or counted in days — never typed
   as codes. The row's value field is kept, hidden, and holds what the picker says ("a, b"; "30, 60"). */
(function () {
  "use strict";
  var specs = null;
  var labels = {};

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function parts(value) {
    return (value || "").split(",").map(function (v) { return v.trim(); }).filter(Boolean);
  }
  function changed(input) {
    input.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function numberBox(value, attrs, onInput) {
    var box = el("input", Object.assign({type: "number", value: value || "", "class": "vIntegerField"}, attrs));
    box.addEventListener("input", onInput);
    return box;
  }

  function picker(spec, lookup, input) {
    var wrap = el("span", {"class": "segment-value-picker"});
    var current = parts(input.value);
    var set = function (value) { input.value = value; changed(input); };
    if (lookup === "is_empty") {
      set("");
      return wrap;
    }
    if (lookup === "last_days" || lookup === "over_days_ago" || spec.kind === "days_ahead") {
      var days = numberBox(current[0], {min: lookup === "last_days" ? 1 : 0, max: 3660, step: 1},
                           function () { set(days.value); });
      wrap.appendChild(days);
      wrap.appendChild(document.createTextNode(" " + labels.days));
      return wrap;
    }
    if (lookup === "days_ago_between") {
      var low = numberBox(current[0], {min: 0, max: 3660, step: 1}, sync);
      var high = numberBox(current[1], {min: 0, max: 3660, step: 1}, sync);
      function sync() { set([low.value, high.value].filter(Boolean).join(", ")); }
      wrap.appendChild(low);
      wrap.appendChild(document.createTextNode(" " + labels.and + " "));
      wrap.appendChild(high);
      wrap.appendChild(document.createTextNode(" " + labels.days));
      return wrap;
    }
    if (spec.kind === "date") {
      var day = el("input", {type: "date", value: current[0] || ""});
      day.addEventListener("input", function () { set(day.value); });
      wrap.appendChild(day);
      return wrap;
    }
    if (spec.choices) {
      var select = el("select", spec.single ? {} : {multiple: "multiple", size: Math.min(spec.choices.length, 5)});
      if (spec.single) { select.appendChild(el("option", {value: ""})); }
      spec.choices.forEach(function (choice) {
        var option = el("option", {value: choice.value});
        option.textContent = choice.label;
        option.selected = current.indexOf(choice.value) !== -1;
        select.appendChild(option);
      });
      select.addEventListener("change", function () {
        set(Array.prototype.filter.call(select.options, function (o) { return o.selected && o.value; })
          .map(function (o) { return o.value; }).join(", "));
      });
      wrap.appendChild(select);
      return wrap;
    }
    if (spec.kind === "bool") {
      var yesNo = el("select", {});
      [["", ""], ["yes", labels.yes], ["no", labels.no]].forEach(function (pair) {
        var option = el("option", {value: pair[0]});
        option.textContent = pair[1];
        option.selected = current[0] === pair[0];
        yesNo.appendChild(option);
      });
      yesNo.addEventListener("change", function () { set(yesNo.value); });
      wrap.appendChild(yesNo);
      return wrap;
    }
    if (spec.kind === "number") {
      var attrs = {step: "any"};
      if (spec.lowest !== null) { attrs.min = spec.lowest; }
      if (spec.highest !== null) { attrs.max = spec.highest; }
      var amount = numberBox(current[0], attrs, function () { set(amount.value); });
      wrap.appendChild(amount);
      return wrap;
    }
    return null; // text, products and needs: the row's own inputs
  }

  function setUp(row) {
    var field = row.querySelector("select[id$='-field']");
    var lookup = row.querySelector("select[id$='-lookup']");
    var value = row.querySelector("input[id$='-value']");
    if (!field || !lookup || !value || field.id.indexOf("__prefix__") !== -1 || row.dataset.picker) { return; }
    row.dataset.picker = "1";
    var allLookups = Array.prototype.map.call(lookup.options, function (o) { return [o.value, o.textContent]; });

    // The product, campaign and need of a row only matter to the field that names one.
    var extras = {product: "product_bought", campaign: "aida_step", need: "need"};
    function showExtras() {
      Object.keys(extras).forEach(function (name) {
        var cell = row.querySelector("td.field-" + name);
        if (cell) { cell.classList.toggle("segment-unused", field.value !== extras[name]); }
      });
    }

    function render() {
      showExtras();
      var spec = specs[field.value];
      var old = row.querySelector(".segment-value-picker");
      if (old) { old.remove(); }
      value.hidden = false;
      if (!spec) { return; }
      var chosen = lookup.value;
      lookup.innerHTML = "";
      allLookups.forEach(function (pair) {
        if (pair[0] && spec.lookups.indexOf(pair[0]) === -1) { return; }
        if (!pair[0]) { return; }
        var option = el("option", {value: pair[0]});
        option.textContent = pair[1];
        lookup.appendChild(option);
      });
      lookup.value = spec.lookups.indexOf(chosen) !== -1 ? chosen : spec.lookups[0];
      var control = picker(spec, lookup.value, value);
      if (control) {
        value.hidden = true;
        value.parentNode.insertBefore(control, value);
      }
    }
    field.addEventListener("change", function () { value.value = ""; render(); });
    lookup.addEventListener("change", function () { value.value = ""; render(); });
    render();
  }

  function rows(root) {
    root.querySelectorAll("tr.form-row, tr.dynamic-conditions").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("segment-field-specs");
    if (!data) { return; }
    specs = JSON.parse(data.textContent);
    var words = document.getElementById("segment-condition-words");
    labels = words ? JSON.parse(words.textContent) : {days: "days", and: "and", yes: "yes", no: "no"};
    rows(document);
    document.addEventListener("formset:added", function (event) {
      if (event.target && event.target.querySelector) { setUp(event.target); }
    });
  });
})();
