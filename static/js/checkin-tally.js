// "+1 visitor" tallies with optional coarse attributes, and undo of the last taps.
(function () {
  "use strict";
  var App = window.VaerestedCheckin.App;
  var Queue = window.VaerestedQueue;
  var timeLabel = window.VaerestedCheckin.timeLabel;
  var UNDO_WINDOW_MS = 15 * 60 * 1000;
  var KEEP_TAPS = 5;

  App.prototype.tally = function () {
    var id = Queue.uuid();
    var now = Date.now();
    var body = { centre: this.centre, scanned_at: Queue.localIso(new Date(now)), idempotency_key: id };
    var labels = [];
    this.root.querySelectorAll("[data-tally-attr]").forEach(function (select) {
      if (select.value) {
        body[select.getAttribute("data-tally-attr")] = select.value;
        labels.push(select.options[select.selectedIndex].text);
      }
      select.value = ""; // each tap starts from "unknown"
    });
    this.taps.unshift({ id: id, at: now, labels: labels, status: "sent" });
    this.taps = this.taps.slice(0, KEEP_TAPS);
    this.renderTaps();
    return this.submit({ id: id, kind: "tally", scope: this.scope, path: "/tallies", body: body });
  };

  App.prototype.markTap = function (id, status) {
    this.taps.forEach(function (tap) { if (tap.id === id) tap.status = status; });
    this.renderTaps();
  };

  App.prototype.undo = function (id) {
    var self = this;
    this.markTap(id, "undoing");
    return Queue.get(id).then(function (queued) {
      if (queued && self.inFlight !== id) {
        // Never sent: forget it here, the server never hears of it.
        return Queue.remove(id).then(function () {
          self.markTap(id, "undone");
          self.show("undone", self.msg("undone"));
          return self.updatePending();
        });
      }
      var undoId = Queue.uuid();
      return self.submit({
        id: undoId, kind: "undo", scope: self.scope,
        path: "/tallies/" + id + "/undo", body: { centre: self.centre }
      });
    });
  };

  App.prototype.renderTaps = function () {
    var list = this.el("taps");
    if (!list) return;
    var self = this;
    list.textContent = "";
    this.taps.forEach(function (tap) {
      var li = document.createElement("li");
      li.setAttribute("data-status", tap.status);
      var label = document.createElement("span");
      label.textContent = timeLabel(tap.at) + " \u00B7 +1" + (tap.labels.length ? " (" + tap.labels.join(", ") + ")" : "");
      li.appendChild(label);
      if (tap.status === "undone" || tap.status === "failed") {
        var note = document.createElement("span");
        note.className = "tap-note";
        note.textContent = self.msg(tap.status === "undone" ? "undone" : "error");
        li.appendChild(note);
      } else if (Date.now() - tap.at < UNDO_WINDOW_MS) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary outline small";
        button.textContent = self.msg("undo");
        button.disabled = tap.status === "undoing";
        button.addEventListener("click", function () { self.undo(tap.id); });
        li.appendChild(button);
      }
      list.appendChild(li);
    });
    list.closest("section").setAttribute("data-empty", this.taps.length ? "no" : "yes");
  };
})();
