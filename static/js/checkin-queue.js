// Offline outbox for check-ins: every scan, tally and undo is written to IndexedDB
// first (with its UUID and the moment it was made), then sent. The server is
// idempotent on the UUID (tallies) and on card + centre + day (scans), so sending
// an item twice counts it once. Without IndexedDB (private mode on some
// browsers) the queue lives in memory: it still survives a lost connection,
// only not a reload.
(function () {
  "use strict";

  var DB_NAME = "vaerested-checkin";
  var STORE = "outbox";
  var memory = {};
  var dbPromise = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve) {
      if (!window.indexedDB) return resolve(null);
      var request;
      try {
        request = window.indexedDB.open(DB_NAME, 1);
      } catch (e) {
        return resolve(null);
      }
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "id" });
        store.createIndex("scope", "scope");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
      request.onblocked = function () { resolve(null); };
    });
    return dbPromise;
  }

  function run(mode, action) {
    return openDb().then(function (db) {
      if (!db) return action(null);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
        var request = action(tx.objectStore(STORE));
        if (request) request.onsuccess = function () { result = request.result; };
      });
    });
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // crypto.randomUUID needs a secure context; getRandomValues does not.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16),
      hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function pad(n, width) {
    var s = String(Math.abs(n));
    while (s.length < (width || 2)) s = "0" + s;
    return s;
  }

  // ISO 8601 with the device's local offset, e.g. 2026-11-22T09:05:03.120+01:00.
  function localIso(date) {
    var offset = -date.getTimezoneOffset();
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      "." + pad(date.getMilliseconds(), 3) + (offset >= 0 ? "+" : "-") +
      pad(Math.floor(Math.abs(offset) / 60)) + ":" + pad(Math.abs(offset) % 60);
  }

  var seq = 0;

  // item: {kind: "checkin"|"tally"|"undo", scope, path, body, ...}; adds id/created.
  function add(item) {
    item.id = item.id || uuid();
    item.created = Date.now();
    item.seq = seq++;
    return run("readwrite", function (store) {
      if (!store) { memory[item.id] = item; return null; }
      return store.put(item);
    }).then(function () { return item; });
  }

  function remove(id) {
    return run("readwrite", function (store) {
      if (!store) { delete memory[id]; return null; }
      return store.delete(id);
    });
  }

  function get(id) {
    return run("readonly", function (store) {
      if (!store) return null;
      return store.get(id);
    }).then(function (found) { return found || memory[id] || null; });
  }

  // The items of one scope (centre + who sends them), oldest first.
  function list(scope) {
    return run("readonly", function (store) {
      if (!store) return null;
      return store.index("scope").getAll(scope);
    }).then(function (items) {
      if (!items) {
        items = Object.keys(memory).map(function (k) { return memory[k]; })
          .filter(function (item) { return item.scope === scope; });
      }
      return items.sort(function (a, b) {
        return a.created - b.created || a.seq - b.seq;
      });
    });
  }

  // Server faults (5xx, 429): an item is retried with exponential backoff and
  // given up after MAX_TRIES; it then stays on the device, marked failed and
  // shown to staff, instead of being sent forever. (A test may shorten the
  // times through window.VaerestedQueueOptions.)
  var options = window.VaerestedQueueOptions || {};
  var MAX_TRIES = options.maxTries || 8;
  var BASE_DELAY_MS = options.baseDelayMs || 5000;
  var MAX_DELAY_MS = options.maxDelayMs || 10 * 60 * 1000;

  function isDue(item, now) {
    return !item.failed && (!item.retryAt || item.retryAt <= now);
  }

  function noteServerError(item, error) {
    item.tries = (item.tries || 0) + 1;
    item.lastError = (error && error.code) || "";
    if (item.tries >= MAX_TRIES) item.failed = true;
    else item.retryAt = Date.now() + Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, item.tries - 1));
    return run("readwrite", function (store) {
      if (!store) { memory[item.id] = item; return null; }
      return store.put(item);
    }).then(function () { return item; });
  }

  // List the given-up items inside root (created on first use), with a way to
  // clear each once staff have noted it.
  function showFailed(root, items, texts, onRemove) {
    var box = root.querySelector("[data-role=failed-items]");
    if (!box) {
      box = document.createElement("section");
      box.setAttribute("data-role", "failed-items");
      box.setAttribute("data-testid", "failed-items");
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      root.appendChild(box);
    }
    box.hidden = !items.length;
    box.textContent = "";
    if (!items.length) return;
    var p = document.createElement("p");
    p.textContent = texts.failed;
    box.appendChild(p);
    var ul = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "failed-item");
      li.textContent = item.kind + " · " + new Date(item.created).toLocaleString() +
        " (" + item.tries + "×" + (item.lastError ? " " + item.lastError : "") + ") ";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = texts.remove;
      button.addEventListener("click", function () { remove(item.id).then(onRemove); });
      li.appendChild(button);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  window.VaerestedQueue = {
    add: add, remove: remove, get: get, list: list, uuid: uuid, localIso: localIso,
    isDue: isDue, noteServerError: noteServerError, showFailed: showFailed,
    persistent: function () { return openDb().then(function (db) { return !!db; }); }
  };
})();

/* Register the service worker that lets this page load again offline. */
(function () {
  var app = document.getElementById("checkin-app");
  var url = app && app.getAttribute("data-sw");
  if (!url || !("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register(url).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    var urls = [window.location.pathname];
    var parts = document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]");
    Array.prototype.forEach.call(parts, function (el) { urls.push(el.src || el.href); });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "cached") app.setAttribute("data-offline-ready", "yes");
    });
    registration.active.postMessage({ type: "cache", urls: urls });
  }).catch(function () { /* offline reloads are a convenience, never required */ });
})();
