// Camera scanning for the check-in screen (html5-qrcode 2.3.8, vendored): start,
// stop, back camera. getUserMedia needs a secure context (HTTPS or localhost);
// without it the page says so and the code field still works.
(function () {
  "use strict";
  var App = window.VaerestedCheckin.App;

  // The browser's error (a DOMException, or html5-qrcode's text around it) as
  // one of our Danish messages; the raw English text is never shown.
  function cameraProblem(error) {
    var text = String((error && error.name) || "") + " " + String((error && error.message) || error || "");
    if (/NotAllowed|PermissionDenied|Permission denied|denied/i.test(text)) return "camera-denied";
    if (/NotFound|DevicesNotFound|Overconstrained|not found|no camera/i.test(text)) return "camera-missing";
    if (/NotReadable|TrackStart|AbortError|Could not start|in use|busy/i.test(text)) return "camera-busy";
    if (/Secur|insecure|https/i.test(text)) return "camera-insecure";
    return "camera-error";
  }
  window.VaerestedCheckin.cameraProblem = cameraProblem;
  App.prototype.cameraMessage = function (text) {
    var el = this.el("camera-message");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  };

  App.prototype.startCamera = function () {
    var self = this;
    var button = this.el("camera-toggle");
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.cameraMessage(this.msg("camera-insecure"));
      return Promise.resolve(false);
    }
    if (typeof window.Html5Qrcode === "undefined") {
      this.cameraMessage(this.msg("camera-error"));
      return Promise.resolve(false);
    }
    if (!this.qr) {
      var formats = window.Html5QrcodeSupportedFormats;
      this.qr = new window.Html5Qrcode(this.el("camera-view").id, {
        verbose: false,
        formatsToSupport: formats ? [formats.QR_CODE] : undefined
      });
    }
    button.disabled = true;
    this.cameraMessage("");
    return this.qr.start(
      { facingMode: "environment" },
      {
        fps: 10,
        disableFlip: true, // a card is never mirrored: no time lost on flipped frames
        qrbox: function (w, h) {
          var side = Math.max(150, Math.floor(Math.min(w, h) * 0.8));
          return { width: side, height: side };
        }
      },
      function (text) { self.scan(text, "camera"); },
      function () { /* no code in this frame */ }
    ).then(function () {
      self.cameraOn = true;
      button.disabled = false;
      button.textContent = self.msg("camera-stop");
      button.setAttribute("aria-pressed", "true");
      self.root.setAttribute("data-camera", "on");
      if (self.kiosk) try { localStorage.setItem("vaerested.kiosk.camera", "on"); } catch (e) { /* private mode */ }
      return true;
    }, function (error) {
      button.disabled = false;
      var problem = cameraProblem(error);
      self.root.setAttribute("data-camera-problem", problem);
      self.cameraMessage(self.msg(problem));
      return false;
    });
  };

  App.prototype.stopCamera = function () {
    var self = this;
    var button = this.el("camera-toggle");
    if (!this.qr || !this.cameraOn) return Promise.resolve();
    return this.qr.stop().catch(function () { return null; }).then(function () {
      self.cameraOn = false;
      button.textContent = self.msg("camera-start");
      button.setAttribute("aria-pressed", "false");
      self.root.setAttribute("data-camera", "off");
      if (self.kiosk) try { localStorage.removeItem("vaerested.kiosk.camera"); } catch (e) { /* private mode */ }
    });
  };
})();
