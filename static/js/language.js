/* The language switchers (site and admin): a choice submits its form at once. A file, not an onchange attribute:
   the Content-Security-Policy runs scripts from our own files only. Without scripts the form's button does it. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-submit-on-change") && select.form) {
      select.form.submit();
    }
  });
})();
