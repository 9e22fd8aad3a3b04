// The check-in screen shared by the staff scanner and the kiosk: camera (html5-qrcode),
// keyboard-wedge / typed codes, "+1 visitor" tallies with undo, today's count and
// the offline queue (checkin-queue.js). Texts come translated in data-msg-*
// attributes of the root element (the CSP allows no inline script).
(function () {
  "use strict";

  var Queue = window.VaerestedQueue;
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var REQUEST_TIMEOUT_MS = 8000;
  var FLUSH_EVERY_MS = 15000;
  var COUNT_EVERY_MS = 60000;
  var CAMERA_REPEAT_MS = 3000;
  var LIVE_MS = 15000;

  // Canonical 17-character code, or null when the text is not a valid card code.
  // Mirrors vaerested/checkin/codes.py: Crockford base32 with O -> 0 and I/L -> 1,
  // everything but letters and digits ignored (a US-layout wedge scanner types
  // "-" as "+" on a Danish keyboard), then a Luhn mod-32 check character.
  function normaliseCode(text) {
    var s = String(text || "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1")
      .replace(/[^0-9A-Z]/g, "");
    if (s.length !== 17) return null;
    var total = 0;
    for (var i = 0; i < 17; i++) {
      if (ALPHABET.indexOf(s[i]) < 0) return null;
    }
    for (var p = 0; p < 16; p++) {
      var addend = ALPHABET.indexOf(s[15 - p]) * (p % 2 === 0 ? 2 : 1);
      total += Math.floor(addend / 32) + (addend % 32);
    }
    return ALPHABET[(32 - (total % 32)) % 32] === s[16] ? s : null;
  }

  function timeLabel(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2) +
      ":" + ("0" + d.getSeconds()).slice(-2);
  }

  function App(root, options) {
    this.root = root;
    this.kiosk = !!options.token;
    this.token = options.token || null;
    this.centre = options.centre;
    this.api = root.getAttribute("data-api");
    var meta = document.querySelector('meta[name="csrf-token"]');
    this.csrf = meta ? meta.getAttribute("content") : "";
    this.scope = (this.kiosk ? "kiosk:" : "session:") + this.centre;
    this.flushing = null;
    this.again = false;
    this.inFlight = null;
    this.handled = {};
    this.mine = {};
    this.taps = [];
    this.lastDecoded = { text: null, at: 0 };
    this.resetTimer = null;
    this.serverCount = null;
    this.waiting = 0;
    // Look inside the app first, then in the page (the scanner's count sits in its header).
    this.el = function (name) {
      var selector = '[data-role="' + name + '"]';
      return root.querySelector(selector) || document.querySelector(selector);
    };
  }

  App.prototype.msg = function (key, fallback) {
    var text = this.root.getAttribute("data-msg-" + key);
    if (text !== null) return text;
    return fallback === undefined ? key : fallback;
  };

  // show(state, text, detail) lives in checkin-feedback.js (result cards, sound).

  // "Today" is the server's count plus what still waits in this device's queue.
  App.prototype.setCount = function (n) {
    if (typeof n !== "number") return;
    this.serverCount = n;
    this.renderCount();
  };

  App.prototype.renderCount = function () {
    var el = this.el("today-count");
    if (!el || this.serverCount === null) return;
    el.textContent = String(this.serverCount + this.waiting);
    el.setAttribute("data-server", String(this.serverCount));
  };

  App.prototype.setOnline = function (online) {
    var el = this.el("connection");
    if (!el) return;
    el.hidden = online;
  };

  App.prototype.updatePending = function () {
    var self = this;
    return Queue.list(this.scope).then(function (all) {
      var items = all.filter(function (item) { return !item.failed; });
      var el = self.el("pending-count");
      if (el) el.textContent = String(items.length);
      var box = self.el("pending");
      if (box) box.setAttribute("data-pending", items.length ? "yes" : "no");
      Queue.showFailed(self.root, all.filter(function (item) { return item.failed; }),
        { failed: self.msg("failed"), remove: self.msg("failed-remove") },
        function () { self.updatePending(); });
      // A waiting scan or tally will add a visit, a waiting undo takes one away.
      self.waiting = items.reduce(function (sum, item) {
        return sum + (item.kind === "undo" ? -1 : 1);
      }, 0);
      self.renderCount();
      return items;
    });
  };

  // fetch with a timeout; resolves to {kind: "ok"|"rejected"|"retry"|"network", ...}.
  App.prototype.request = function (method, path, body) {
    var headers = { "Accept": "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (this.token) headers["Authorization"] = "Bearer " + this.token;
    else headers["X-CSRFToken"] = this.csrf;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, REQUEST_TIMEOUT_MS);
    return fetch(this.api + path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined,
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (json) {
        var error = json && json.error ? json.error : { code: "http_" + response.status, message: "" };
        if (response.ok && json && json.ok) return { kind: "ok", data: json.data };
        // Keep the item when the fault is not the item's: the server, or the login.
        if (response.status >= 500 || response.status === 429) return { kind: "retry", error: error };
        if (response.status === 401 || response.status === 403 || error.code === "csrf_failed") {
          return { kind: "auth", error: error };
        }
        return { kind: "rejected", status: response.status, error: error };
      });
    }, function () {
      return { kind: "network" };
    }).then(function (result) {
      clearTimeout(timer);
      return result;
    });
  };

  // Send every queued item of this scope, oldest first; stop at the first
  // network, server or login failure (the rest stay queued). Concurrent calls
  // share one run, which repeats when something was queued meanwhile.
  App.prototype.flush = function () {
    var self = this;
    if (this.flushing) { this.again = true; return this.flushing; }
    this.flushing = (function loop() {
      self.again = false;
      return Queue.list(self.scope).then(function (items) {
        var i = 0;
        function next() {
          if (i >= items.length) return null;
          var item = items[i++];
          if (!Queue.isDue(item, Date.now())) return next();  // backing off, or given up
          self.inFlight = item.id;
          return self.request("POST", item.path, item.body).then(function (result) {
            if (result.kind !== "network" && result.kind !== "auth") self.sentSome = true;
            self.inFlight = null;
            if (result.kind === "network" || result.kind === "auth") {
              self.stopReason = result;
              self.setOnline(result.kind !== "network");
              return "stop";
            }
            if (result.kind === "retry") {
              // A server fault: keep this item (backing off), let the others through.
              self.stopReason = result;
              return Queue.noteServerError(item, result.error).then(next);
            }
            self.setOnline(true);
            return Queue.remove(item.id).then(function () {
              self.waiting -= item.kind === "undo" ? -1 : 1; // now in the server's count
              self.handled[item.id] = true;
              self.handle(item, result);
              return next();
            });
          });
        }
        self.stopReason = null;
        return next();
      }).then(function (stopped) {
        return self.updatePending().then(function (left) {
          if (self.again && stopped !== "stop") return loop();
          // The queue drained: take "today" from the server, not from the sum of
          // the answers (other devices and late duplicates changed it meanwhile).
          if (self.sentSome && !left.length) { self.sentSome = false; self.refreshCount(); }
          return null;
        });
      });
    })().catch(function () { return null; }).then(function () {
      self.flushing = null;
      self.inFlight = null;
    });
    return this.flushing;
  };

  App.prototype.isLive = function (item) {
    return this.mine[item.id] && Date.now() - item.created < LIVE_MS;
  };

  App.prototype.handle = function (item, result) {
    var state, text, detail = "";
    var data = result.data || {};
    var code = result.error ? result.error.code : null;
    if (typeof data.today_count === "number") this.setCount(data.today_count);
    if (item.kind === "checkin") {
      if (result.kind === "ok") state = data.result === "duplicate" ? "duplicate" : "new";
      else if (code === "unknown_card") state = "unknown";
      else if (code === "revoked_card") state = "revoked";
      else if (code === "invalid_code") state = "invalid";
      else { state = "error"; detail = result.error.message; }
      text = state === "error" ? this.msg("error") : this.msg(state);
    } else if (item.kind === "tally") {
      if (result.kind === "ok") { state = "tally"; text = this.msg("tally"); }
      else { state = "error"; text = this.msg("error"); detail = result.error.message; this.markTap(item.id, "failed"); }
    } else {
      var key = item.path.split("/")[2];
      if (result.kind === "ok" || code === "unknown_tally") {
        state = "undone"; text = this.msg("undone"); this.markTap(key, "undone");
      } else {
        state = "error"; text = this.msg("error"); detail = result.error.message; this.markTap(key, "sent");
      }
    }
    if (this.isLive(item)) {
      this.show(state, text, detail);
    } else {
      this.addLate(item, state, text);
    }
  };

  App.prototype.addLate = function (item, state, text) {
    var list = this.el("late");
    if (!list) return;
    var li = document.createElement("li");
    li.setAttribute("data-state", state);
    li.textContent = timeLabel(item.created) + " \u00B7 " + text;
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 10) list.removeChild(list.lastChild);
    list.closest("section").hidden = false;
  };

  // Queue an item, send the queue, and tell the user what became of this item.
  App.prototype.submit = function (item) {
    var self = this;
    this.mine[item.id] = true;
    var slow = setTimeout(function () { self.show("sending", self.msg("sending")); }, 400);
    return Queue.add(item).then(function () {
      return self.updatePending();
    }).then(function () {
      return self.flush();
    }).then(function () {
      clearTimeout(slow);
      if (self.handled[item.id]) return;
      var reason = self.stopReason;
      if (reason && reason.kind === "auth") self.show("auth", self.msg("auth"), self.msg("kept"));
      else self.show("queued", self.msg("queued"));
    }).catch(function () {
      clearTimeout(slow);
      self.show("error", self.msg("error"));
    });
  };

  App.prototype.scan = function (raw, source) {
    var now = Date.now();
    var text = String(raw || "").trim();
    if (!text) return null;
    if (source === "camera") {
      // The camera reads a card many times a second while it is held up: the same
      // code counts again only after it was out of sight for 3 s.
      var seen = this.lastDecoded;
      var repeat = text === seen.text && now - seen.at < CAMERA_REPEAT_MS;
      this.lastDecoded = { text: text, at: now };
      if (repeat) return null;
    }
    var code = normaliseCode(text);
    if (!code) {
      this.show("invalid", this.msg("invalid"), this.msg("invalid-detail"));
      return null;
    }
    var id = Queue.uuid();
    return this.submit({
      id: id, kind: "checkin", scope: this.scope, path: "/checkins",
      body: { centre: this.centre, code: code, scanned_at: Queue.localIso(new Date(now)), idempotency_key: id }
    });
  };

  // Tallies and their undo list live in checkin-tally.js (the kiosk has none).
  App.prototype.markTap = function () {};
  App.prototype.renderTaps = function () {};

  App.prototype.refreshCount = function () {
    var self = this;
    return this.request("GET", "/centres/" + encodeURIComponent(this.centre) + "/today").then(function (result) {
      if (result.kind === "ok") {
        self.setCount(result.data.visits);
        self.setOnline(true);
        if (self.onToday) self.onToday(result.data);
      }
      else if (result.kind === "network") self.setOnline(false);
      else if (result.kind === "auth" && self.kiosk) self.show("auth", self.msg("auth"), self.msg("kept"));
    });
  };

  // ---- wiring ---------------------------------------------------------------
  App.prototype.start = function () {
    var self = this;
    var form = this.el("code-form");
    var input = this.el("code-input");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = input.value;
      input.value = "";
      input.focus();
      self.scan(value, "keyboard");
    });
    // A keyboard-wedge scanner types wherever the focus is (checkin-wedge.js).
    if (this.startWedge) this.startWedge();
    if (this.startFeedback) this.startFeedback();
    var toggle = this.el("camera-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        if (self.cameraOn) self.stopCamera(); else self.startCamera();
      });
      if (!window.isSecureContext) this.cameraMessage(this.msg("camera-insecure"));
    }
    var tally = this.el("tally");
    if (tally) tally.addEventListener("click", function () { self.tally(); });
    window.addEventListener("online", function () { self.flush(); self.refreshCount(); });
    window.addEventListener("offline", function () { self.setOnline(false); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") self.flush();
    });
    setInterval(function () { self.flush(); }, FLUSH_EVERY_MS);
    setInterval(function () { self.refreshCount(); }, COUNT_EVERY_MS);
    setInterval(function () { self.renderTaps(); }, 30000);
    var count = this.el("today-count");
    if (count && count.hasAttribute("data-server")) this.setCount(Number(count.getAttribute("data-server")));
    this.root.setAttribute("data-ready", "yes");
    this.updatePending();
    this.flush();
    this.refreshCount();
    input.focus();
    return this;
  };

  window.VaerestedCheckin = {
    App: App,
    normaliseCode: normaliseCode,
    timeLabel: timeLabel,
    start: function (root, options) { return new App(root, options).start(); }
  };

  // The staff page starts itself (session auth) once every script has run
  // (checkin-camera.js and checkin-tally.js add to App); the kiosk page starts it
  // from checkin-kiosk.js once it has its token.
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("checkin-app");
    if (root && root.getAttribute("data-auth") === "session") {
      window.VaerestedCheckin.app = window.VaerestedCheckin.start(root, { centre: root.getAttribute("data-centre") });
    }
  });
})();
