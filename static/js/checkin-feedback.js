// What the check-in screen shows and plays after each scan: a numbered result card
// ("#14 · 10:32 · Welcome") with its own colour, icon and text per outcome, back to
// "ready" after a few seconds; the last 10 outcomes of this device (outcome and
// time only, never a code); optional tones (WebAudio, made in the page) and
// vibration, both off until switched on and remembered on the device.
(function () {
  "use strict";
  var App = window.VaerestedCheckin.App;

  var READY_AFTER_MS = 5000;
  var KIOSK_READY_AFTER_MS = 6000;
  var KEEP = 10;
  var SIGNALS_KEY = "vaerested.checkin.signals";
  // Plain symbols that common fonts have (no emoji): the text carries the meaning.
  var ICONS = {
    "new": "\u2713", duplicate: "\u21BB", unknown: "?", revoked: "\u2298",
    invalid: "\u2717", queued: "\u25F7", error: "!", tally: "+1",
    undone: "\u21B6", sending: "\u2026", ready: "\u25A3", auth: "!"
  };
  // Outcomes that get a numbered card (and a tone); "sending" and "ready" do not.
  var RESULTS = {
    "new": 1, duplicate: 1, unknown: 1, revoked: 1, invalid: 1, queued: 1,
    error: 1, auth: 1, tally: 1, undone: 1
  };
  // [frequency Hz (0 = pause), seconds]: rising for welcome, low for refusals.
  var TONES = {
    "new": [[660, 0.09], [990, 0.16]],
    duplicate: [[740, 0.12], [740, 0.12]],
    tally: [[880, 0.1]],
    undone: [[523, 0.1], [392, 0.12]],
    queued: [[587, 0.08], [0, 0.05], [587, 0.08]],
    unknown: [[392, 0.16], [262, 0.28]],
    invalid: [[392, 0.16], [262, 0.28]],
    revoked: [[196, 0.22], [0, 0.06], [196, 0.22], [0, 0.06], [196, 0.3]],
    error: [[220, 0.45]],
    auth: [[220, 0.45]]
  };
  var BUZZ = {
    "new": [70], duplicate: [60, 80, 60], tally: [40], undone: [40, 60, 40],
    queued: [30, 60, 30], unknown: [200, 100, 200], invalid: [200, 100, 200],
    revoked: [400, 120, 400], error: [500], auth: [500]
  };

  function pad(n) { return ("0" + n).slice(-2); }
  function hhmm(ms) { var d = new Date(ms); return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  function today() { var d = new Date(); return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }

  function load(key, fallback) {
    try {
      var value = JSON.parse(localStorage.getItem(key) || "null");
      return value === null ? fallback : value;
    } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  // The running number restarts every day on each device.
  App.prototype.nextNumber = function () {
    var key = "vaerested.checkin.seq:" + this.scope;
    var seq = load(key, null);
    if (!seq || seq.day !== today()) seq = { day: today(), n: 0 };
    seq.n += 1;
    save(key, seq);
    return seq.n;
  };

  App.prototype.show = function (state, text, detail) {
    var banner = this.el("feedback");
    if (!banner) return;
    var self = this;
    var meta = "";
    clearTimeout(this.resetTimer);
    if (RESULTS[state]) {
      var entry = { n: this.nextNumber(), at: Date.now(), state: state };
      meta = "#" + entry.n + " \u00B7 " + hhmm(entry.at);
      banner.setAttribute("data-result", String(entry.n));
      this.remember(entry);
      this.signal(state);
      this.resetTimer = setTimeout(function () {
        self.show("ready", self.msg("ready"));
      }, this.kiosk ? KIOSK_READY_AFTER_MS : READY_AFTER_MS);
    }
    banner.setAttribute("data-state", state);
    this.el("feedback-icon").textContent = ICONS[state] || "";
    this.el("feedback-meta").textContent = meta;
    this.el("feedback-text").textContent = text;
    this.el("feedback-detail").textContent = detail || (RESULTS[state] ? this.msg(state + "-detail", "") : "");
    banner.classList.remove("flash-in");
    void banner.offsetWidth; // restart the animation: each result is a new card
    banner.classList.add("flash-in");
  };

  // ---- the last outcomes on this device -----------------------------------------
  App.prototype.recentKey = function () { return "vaerested.checkin.recent:" + this.scope; };

  App.prototype.remember = function (entry) {
    var list = load(this.recentKey(), []);
    list.unshift(entry);
    save(this.recentKey(), list.slice(0, KEEP));
    this.renderRecent();
  };

  App.prototype.renderRecent = function () {
    var list = this.el("recent");
    if (!list) return;
    var self = this;
    var entries = load(this.recentKey(), []);
    list.textContent = "";
    entries.forEach(function (entry) {
      var li = document.createElement("li");
      li.setAttribute("data-state", entry.state);
      var icon = document.createElement("span");
      icon.className = "recent-icon";
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = ICONS[entry.state] || "";
      li.appendChild(icon);
      li.appendChild(document.createTextNode(
        "#" + entry.n + " \u00B7 " + hhmm(entry.at) + " \u00B7 " + self.msg(entry.state)));
      list.appendChild(li);
    });
    var section = list.closest("section");
    if (section) section.setAttribute("data-empty", entries.length ? "no" : "yes");
  };

  // ---- tones and vibration ------------------------------------------------------
  App.prototype.signal = function (state) {
    var settings = this.signals || {};
    var played = false;
    if (settings.vibrate && navigator.vibrate && BUZZ[state]) {
      try { navigator.vibrate(BUZZ[state]); played = true; } catch (e) { /* not allowed */ }
    }
    if (settings.sound && TONES[state]) played = this.beep(TONES[state]) || played;
    if (played) this.root.setAttribute("data-last-signal", state);
  };

  App.prototype.beep = function (notes) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return false;
    try {
      if (!this.audio) this.audio = new Context();
      var ctx = this.audio;
      if (ctx.state === "suspended" && ctx.resume) ctx.resume();
      var t = ctx.currentTime + 0.02;
      notes.forEach(function (note) {
        var freq = note[0], length = note[1];
        if (freq) {
          var osc = ctx.createOscillator();
          var gain = ctx.createGain();
          osc.type = freq < 300 ? "square" : "sine";
          osc.frequency.value = freq;
          gain.gain.setValueAtTime(0.0001, t);
          gain.gain.exponentialRampToValueAtTime(0.2, t + 0.015);
          gain.gain.exponentialRampToValueAtTime(0.0001, t + length);
          osc.connect(gain);
          gain.connect(ctx.destination);
          osc.start(t);
          osc.stop(t + length + 0.02);
        }
        t += length + 0.03;
      });
      return true;
    } catch (e) {
      return false;
    }
  };

  App.prototype.startFeedback = function () {
    var self = this;
    this.signals = load(SIGNALS_KEY, { sound: false, vibrate: false });
    [["sound-toggle", "sound"], ["vibrate-toggle", "vibrate"]].forEach(function (pair) {
      var box = self.el(pair[0]);
      if (!box) return;
      if (pair[1] === "vibrate" && !navigator.vibrate) {
        box.closest("label").hidden = true;
        return;
      }
      box.checked = !!self.signals[pair[1]];
      box.addEventListener("change", function () {
        self.signals[pair[1]] = box.checked;
        save(SIGNALS_KEY, self.signals);
        if (box.checked && pair[1] === "sound") self.beep(TONES.tally); // a sample, and unlocks audio
      });
    });
    this.renderRecent();
  };
})();
