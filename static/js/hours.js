// Opening-hours form: an "Add a row" button that clones a blank row.
// The form works without this script (it always offers a few blank rows).
(function () {
  "use strict";
  var button = document.getElementById("add-hours-row");
  var body = document.getElementById("hours-rows");
  if (!button || !body) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var rows = body.querySelectorAll("tr.hours-row");
    if (!rows.length) return;
    var index = rows.length;
    var row = rows[rows.length - 1].cloneNode(true);
    row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
      ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/intervals-\d+-/g, "intervals-" + index + "-"));
      });
    });
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    row.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    row.querySelectorAll("input[type=checkbox]").forEach(function (el) { el.checked = false; });
    row.querySelectorAll("input:not([type=checkbox])").forEach(function (el) { el.value = ""; });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    body.appendChild(row);
    var first = row.querySelector("select, input");
    if (first) first.focus();
  });
})();
