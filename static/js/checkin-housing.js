// The optional housing statement after a check-in (templates/checkin/_housing.html).
// After a scan is answered "checked in" (new or already today), the panel offers
// one tap: the holder's housing situation, or skip. It never blocks scanning: the
// next scan replaces the offer, the offer lapses after a minute, the code field
// keeps the focus after each tap, and a keyboard-wedge burst while a button has
// focus is still caught by checkin-wedge.js. The card code is kept in memory
// only, for the one request, and forgotten afterwards.
(function () {
  "use strict";
  var Checkin = window.VaerestedCheckin;
  if (!Checkin) return;
  var App = Checkin.App;
  var OFFER_MS = 60000;
  var DONE_MS = 2500;

  var handle = App.prototype.handle;
  App.prototype.handle = function (item, result) {
    var live = this.isLive(item);
    handle.call(this, item, result);
    if (item.kind === "checkin" && result.kind === "ok" && live) this.offerHousing(item.body.code);
  };

  App.prototype.housingPanel = function () {
    return document.querySelector('[data-role="housing"]');
  };

  App.prototype.offerHousing = function (code) {
    var panel = this.housingPanel();
    if (!panel) return;
    var self = this;
    this.housingCode = code;
    panel.querySelector('[data-role="housing-status"]').textContent = "";
    panel.querySelectorAll("[data-housing]").forEach(function (b) { b.disabled = false; });
    panel.querySelector("details").open = false;  // folded again for each scan
    panel.hidden = false;
    clearTimeout(this.housingTimer);
    this.housingTimer = setTimeout(function () { self.endHousing(); }, OFFER_MS);
  };

  App.prototype.endHousing = function () {
    var panel = this.housingPanel();
    clearTimeout(this.housingTimer);
    this.housingCode = null;
    if (panel) panel.hidden = true;
  };

  App.prototype.stateHousing = function (situation, label) {
    var panel = this.housingPanel();
    var code = this.housingCode;
    if (!panel || !code) return null;
    var self = this;
    var status = panel.querySelector('[data-role="housing-status"]');
    this.housingCode = null;  // one statement per offer
    panel.querySelectorAll("[data-housing]").forEach(function (b) { b.disabled = true; });
    this.el("code-input").focus();
    return this.request("POST", "/housing-statements", {
      centre: this.centre, code: code, situation: situation
    }).then(function (result) {
      var ok = result.kind === "ok";
      status.textContent = ok ? panel.getAttribute("data-msg-saved") + ": " + label
        : panel.getAttribute("data-msg-failed");
      panel.setAttribute("data-saved", ok ? situation : "failed");
      clearTimeout(self.housingTimer);
      self.housingTimer = setTimeout(function () { self.endHousing(); }, DONE_MS);
    });
  };

  document.addEventListener("click", function (event) {
    var app = Checkin.app;
    var target = event.target.closest && event.target.closest(".housing-tap button");
    if (!app || !target) return;
    if (target.getAttribute("data-role") === "housing-skip") {
      app.endHousing();
      app.el("code-input").focus();
      return;
    }
    app.stateHousing(target.getAttribute("data-housing"), target.textContent.trim());
  });

  document.addEventListener("keydown", function (event) {
    var app = Checkin.app;
    if (app && event.key === "Escape" && app.housingCode) app.endHousing();
  });
})();
