// Keyboard-wedge scanners (USB/Bluetooth) type the code as fast keystrokes ending
// in Enter, wherever the focus is. Typing into the code field works as it always
// did; a burst that arrives while a select, a button, a switch or a link has focus
// is caught here and checked in, and the control is left as it was (a select's
// type-ahead is undone, Enter does not press the button). Stray typing elsewhere
// moves to the code field.
(function () {
  "use strict";
  var App = window.VaerestedCheckin.App;
  var MAX_GAP_MS = 150; // people type slower; scanners send a key every few ms
  var MIN_LENGTH = 8;
  var TEXT_TYPES = ["text", "search", "email", "url", "tel", "password", "number", "date", "time"];

  function isTextField(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA") return true;
    return el.tagName === "INPUT" && TEXT_TYPES.indexOf((el.type || "text").toLowerCase()) >= 0;
  }

  function isControl(el) {
    return !!(el && el.closest && el.closest("select, button, a[href], summary, input, [tabindex]"));
  }

  App.prototype.startWedge = function () {
    var self = this;
    var input = this.el("code-input");
    var burst = null;

    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target === input || isTextField(target) || event.ctrlKey || event.metaKey || event.altKey) {
        burst = null;
        return;
      }
      if (event.key === "Shift" || event.key === "CapsLock") return;
      var now = event.timeStamp || Date.now();
      if (burst && now - burst.last > MAX_GAP_MS) burst = null;
      if (event.key === "Enter") {
        if (burst && burst.text.length >= MIN_LENGTH) {
          event.preventDefault();
          event.stopPropagation();
          if (burst.select) burst.select.value = burst.value;
          var text = burst.text;
          burst = null;
          self.scan(text, "wedge");
        }
        burst = null;
        return;
      }
      if (event.key.length !== 1) { burst = null; return; }
      if (!isControl(target)) {
        // Nothing to keep focus on (the page, a heading): type into the field.
        burst = null;
        input.focus();
        return;
      }
      if (!burst) {
        var select = target.closest("select");
        burst = { text: "", last: now, select: select, value: select ? select.value : null };
      }
      burst.text += event.key;
      burst.last = now;
      if (!burst.select && event.key === " ") event.preventDefault(); // no button press
    }, true);
  };
})();
