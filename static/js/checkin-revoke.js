// "Block a card": fill the code field from the camera (the form works without it:
// type the code, or let a keyboard-wedge scanner type it).
(function () {
  "use strict";
  var box = document.getElementById("revoke-scan");
  var input = document.getElementById("code");
  if (!box || !input || typeof window.Html5Qrcode === "undefined") return;
  var button = box.querySelector("button");
  var message = box.querySelector("[role=alert]");
  var qr = null;
  var on = false;

  function say(text) { message.textContent = text || ""; message.hidden = !text; }
  function stop() {
    if (!qr || !on) return Promise.resolve();
    return qr.stop().catch(function () { return null; }).then(function () {
      on = false;
      button.textContent = box.getAttribute("data-msg-camera-start");
    });
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (on) { stop(); return; }
    if (!window.isSecureContext || !navigator.mediaDevices) {
      say(box.getAttribute("data-msg-camera-insecure"));
      return;
    }
    var formats = window.Html5QrcodeSupportedFormats;
    qr = qr || new window.Html5Qrcode("revoke-camera", {
      verbose: false, formatsToSupport: formats ? [formats.QR_CODE] : undefined
    });
    say("");
    // The same scan box as the check-in screen: ZXing reads a cropped square more
    // reliably than the whole frame.
    var qrbox = function (w, h) {
      var side = Math.max(150, Math.floor(Math.min(w, h) * 0.8));
      return { width: side, height: side };
    };
    qr.start({ facingMode: "environment" }, { fps: 10, qrbox: qrbox, disableFlip: true }, function (text) {
      stop().then(function () {
        input.value = text;
        input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit();
      });
    }, function () { /* no code in this frame */ }).then(function () {
      on = true;
      button.textContent = box.getAttribute("data-msg-camera-stop");
    }, function () {
      say(box.getAttribute("data-msg-camera-error"));
    });
  });
})();
