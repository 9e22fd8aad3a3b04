// Small helpers of the card and kiosk pages: a print button and copy buttons.
// The pages work without this script (print from the browser menu, copy by hand).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value || source.textContent).then(function () {
        button.textContent = button.getAttribute("data-copied") || button.textContent;
      }, function () {
        source.select && source.select();
      });
    });
  });
})();
