// The optional outreach tap on the staff scanner (templates/checkin/_outreach.html):
// after a check-in the answer, "came with outreach staff?", is one tap on a choice;
// it is sent to POST /checkins/outreach for that card's visit today. It never blocks
// scanning: the code field keeps the focus, the next scan simply replaces the
// question, and a keyboard-wedge burst while a choice has focus is still a scan
// (checkin-wedge.js). The card's code stays in memory only, for this one question.
(function () {
  "use strict";
  var Checkin = window.VaerestedCheckin;
  var App = Checkin.App;
  var OPEN_MS = 60000;   // the question goes away by itself after a minute
  var DONE_MS = 4000;    // and a few seconds after an answer was saved

  var handle = App.prototype.handle;
  App.prototype.handle = function (item, result) {
    handle.call(this, item, result);
    if (item.kind === "checkin" && result.kind === "ok" && this.isLive(item)) {
      this.offerOutreach(item.body.code);
    }
  };

  App.prototype.closeOutreach = function () {
    var box = this.el("outreach");
    clearTimeout(this.outreachTimer);
    this.outreach = null;
    if (box) box.hidden = true;
  };

  App.prototype.offerOutreach = function (code) {
    var self = this;
    var box = this.el("outreach");
    if (!box) return;
    this.outreach = { code: code };
    box.querySelectorAll("[data-outreach]").forEach(function (button) {
      button.setAttribute("aria-pressed", "false");
      button.disabled = false;
    });
    this.el("outreach-status").textContent = "";
    box.removeAttribute("data-saved");
    box.querySelector("details").open = false;  // folded again for each scan
    box.hidden = false;
    clearTimeout(this.outreachTimer);
    this.outreachTimer = setTimeout(function () { self.closeOutreach(); }, OPEN_MS);
  };

  App.prototype.answerOutreach = function (button) {
    var self = this;
    var state = this.outreach;
    var box = this.el("outreach");
    if (!state || !box) return null;
    var value = button.getAttribute("data-outreach") || null;
    var status = this.el("outreach-status");
    box.querySelectorAll("[data-outreach]").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    status.textContent = this.msg("sending", "…");
    var input = this.el("code-input");
    if (input) input.focus();  // ready for the next scan at once
    return this.request("POST", "/checkins/outreach", {
      centre: this.centre, code: state.code, outreach: value
    }).then(function (result) {
      if (self.outreach !== state) return;  // a newer scan replaced the question
      if (result.kind === "ok") {
        status.textContent = value
          ? box.getAttribute("data-msg-saved").replace("{choice}", button.textContent.trim())
          : box.getAttribute("data-msg-cleared");
        box.setAttribute("data-saved", value || "none");
        clearTimeout(self.outreachTimer);
        self.outreachTimer = setTimeout(function () { self.closeOutreach(); }, DONE_MS);
      } else {
        button.setAttribute("aria-pressed", "false");
        status.textContent = box.getAttribute("data-msg-failed") +
          (result.error && result.error.message ? " " + result.error.message : "");
      }
    });
  };

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-outreach]") : null;
    var app = Checkin.app;
    if (!button || !app) return;
    event.preventDefault();
    app.answerOutreach(button);
  });
})();
