/* Service worker for the check-in pages, so a scanner or kiosk page also loads
 * when it is reloaded without a connection (scans made then wait in IndexedDB,
 * see checkin-queue.js).
 *
 * Only two kinds of GET are cached, network first:
 * - the scanner page (/checkin/<centre>/) and the kiosk page (/checkin/kiosk);
 * - static files (/static/…).
 * Nothing marked no-store (card sheets, kiosk links) and no redirect (e.g. to
 * the login page) is ever cached. The API always goes to the network.
 */
"use strict";

var CACHE = "vaerested-checkin-v1";
var BASE = self.location.pathname.replace(/checkin\/sw\.js$/, "");
var PAGE = /^checkin\/(kiosk|[a-z0-9]+(?:-[a-z0-9]+)*\/)$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(
        keys.filter(function (k) { return k !== CACHE; })
          .map(function (k) { return caches.delete(k); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

function cacheKey(url, isPage) {
  return isPage ? url.origin + url.pathname : url.href;
}

function classify(url) {
  if (url.origin !== self.location.origin || url.pathname.indexOf(BASE) !== 0) {
    return null;
  }
  var path = url.pathname.slice(BASE.length);
  if (PAGE.test(path)) return "page";
  if (path.indexOf("static/") === 0) return "static";
  return null;
}

function cacheable(response) {
  if (!response || response.status !== 200 || response.redirected) return false;
  if (response.type !== "basic") return false;
  return (response.headers.get("Cache-Control") || "").indexOf("no-store") === -1;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  var kind = classify(url);
  if (kind === "page" && request.mode !== "navigate") return;
  if (!kind) return;
  var key = cacheKey(url, kind === "page");
  event.respondWith(
    fetch(request).then(function (response) {
      if (cacheable(response)) {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (c) { return c.put(key, copy); }));
      }
      return response;
    }).catch(function () {
      return caches.match(key).then(function (cached) {
        return cached || Response.error();
      });
    })
  );
});

/* The page that registered us was loaded before we controlled it: it sends the
 * URLs it is made of (itself, scripts, styles), and we cache them by the same
 * rules, so the next load works offline. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(data.urls.slice(0, 50).map(function (href) {
      var url = new URL(href, self.location.origin);
      var kind = classify(url);
      if (!kind) return null;
      return fetch(url.href, { credentials: "same-origin" }).then(function (response) {
        if (cacheable(response)) return cache.put(cacheKey(url, kind === "page"), response);
        return null;
      }).catch(function () { return null; });
    }));
  }).then(function () {
    if (event.source) event.source.postMessage({ type: "cached" });
  }));
});
