// Export run page: poll the run's status every 2 s and update the progress bar;
// reload the page when the run has finished, so its files (or error) show.
// Without JavaScript the page's "Refresh" link does the same by hand.
(function () {
  "use strict";
  var box = document.querySelector("[data-run-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-run-status-url");
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-run-status]");
  var delay = 2000;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        var run = body.data;
        if (bar) {
          bar.value = run.progress;
          bar.textContent = run.progress + " %";
        }
        if (label) label.textContent = run.status_label;
        if (run.is_finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // Offline or logged out: try again later, a little less often.
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
