// Kiosk set-up: the kiosk link carries its token in the URL fragment
// (#token=...&centre=slug), which never reaches the server or its logs. Keep it in
// localStorage, remove it from the address bar, then start the check-in screen
// with Bearer authentication.
(function () {
  "use strict";

  var KEY = "vaerested.kiosk";
  var root = document.getElementById("checkin-app");
  var missing = document.getElementById("kiosk-missing");
  if (!root) return;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  // A kiosk link in the address bar: remember it (with when it was set up) and
  // take the token out of the address bar and the history.
  function fromHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    if (!params.get("token") || !params.get("centre")) return null;
    var found = { token: params.get("token"), centre: params.get("centre"), since: new Date().toISOString() };
    try { localStorage.setItem(KEY, JSON.stringify(found)); } catch (e) { /* private mode */ }
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return found;
  }

  // A new link pasted into an open kiosk page only changes the hash: start over with it.
  window.addEventListener("hashchange", function () {
    if (fromHash()) window.location.reload();
  });

  var kiosk = fromHash() || load();
  if (!kiosk || !kiosk.token || !kiosk.centre) return; // the explanation stays shown
  if (!kiosk.since) {
    kiosk.since = new Date().toISOString(); // set up before this was recorded
    try { localStorage.setItem(KEY, JSON.stringify(kiosk)); } catch (e) { /* private mode */ }
  }

  missing.hidden = true;
  root.hidden = false;
  document.body.classList.add("kiosk-on");
  var app = window.VaerestedCheckin.start(root, { token: kiosk.token, centre: kiosk.centre });
  window.VaerestedCheckin.app = app;
  app.show("ready", app.msg("ready"));

  // Which centre this kiosk checks in for, and since when (the server names it).
  function showBound(name) {
    var el = app.el("kiosk-bound");
    if (!el) return;
    var since = kiosk.since ? new Date(kiosk.since) : null;
    var date = since && !isNaN(since) ? since.toLocaleDateString(document.documentElement.lang || "da", {
      day: "numeric", month: "long", year: "numeric"
    }) : "?";
    el.textContent = app.msg("kiosk-bound").replace("{centre}", name).replace("{date}", date);
  }
  showBound(kiosk.centre);
  app.onToday = function (data) { if (data.centre_name) showBound(data.centre_name); };

  var full = document.getElementById("kiosk-fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.hidden = false;
    full.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () { return null; });
    });
  }
  // Refocus the code field so a keyboard-wedge scanner always types into it.
  document.addEventListener("click", function (event) {
    if (!event.target.closest("button, select, a")) app.el("code-input").focus();
  });
  // Keep the screen on where the browser allows it (secure contexts only).
  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () { return null; });
    }
  }
  keepAwake();
  document.addEventListener("visibilitychange", keepAwake);

  var cameraWanted = false;
  try { cameraWanted = localStorage.getItem("vaerested.kiosk.camera") === "on"; } catch (e) { /* ignore */ }
  if (cameraWanted) app.startCamera();
})();
