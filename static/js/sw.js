/* The service worker: served at /sw.js by groups/views/offline.py, which writes one line
 * before this code: self.CM_OFFLINE = {static: [...], offline: "/offline/", pages: "...",
 * login: "...", version: "..."}.
 *
 * Three caches:
 *  - cm-static-<version>: the site's CSS, JS and icons (file names change when they do);
 *  - cm-shell-<version>: the "you are offline" page, one copy, in the user's language;
 *  - cm-pages: the pages a user may open with no signal (their log form, their exchanges,
 *    a facilitator's group list and meeting sheets). They hold names: the cache belongs to
 *    one user, and is emptied at logout and whenever a page of another user (or of nobody)
 *    is seen.
 * Nothing answered with `Cache-Control: no-store` is ever kept, nor a redirect or an error.
 * Pages come from the network first; the kept copy only when the network fails.
 */
"use strict";

var CM = self.CM_OFFLINE;
var STATIC = "cm-static-" + CM.version;
var SHELL = "cm-shell-" + CM.version;
var PAGES = "cm-pages";
var META = "cm-meta";
var REFRESH_MS = 30 * 60 * 1000; // the list of pages to keep is fetched again after this

function storable(response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") return false;
  return !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

/* A page kept for offline use: sent `private, no-cache` by the server (keeps_offline_copy). */
function keptPage(response) {
  return storable(response) && /no-cache/i.test(response.headers.get("Cache-Control") || "");
}

function fetchOffline() {
  return fetch(CM.offline, { credentials: "same-origin" }).then(function (response) {
    if (!storable(response)) return null;
    return caches.open(SHELL).then(function (cache) {
      return cache.put(CM.offline, response);
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(STATIC)
      .then(function (cache) {
        return cache.addAll(CM.static);
      })
      .then(fetchOffline)
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  var keep = [STATIC, SHELL, PAGES, META];
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names.map(function (name) {
            return keep.indexOf(name) === -1 ? caches.delete(name) : null;
          })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

// --- who the kept pages belong to -------------------------------------------------------------

function readMeta() {
  return caches.open(META).then(function (cache) {
    return cache.match("/__meta").then(function (hit) {
      return hit ? hit.json() : { user: "", refreshed: 0 };
    });
  });
}

function writeMeta(meta) {
  return caches.open(META).then(function (cache) {
    return cache.put("/__meta", new Response(JSON.stringify(meta)));
  });
}

function forgetPages() {
  return caches.delete(PAGES);
}

/* Fetch the list of pages this user may open offline and keep each one. */
function keepPages(user) {
  return fetch(CM.pages, { credentials: "same-origin" })
    .then(function (response) {
      return response.ok && !response.redirected ? response.json() : { user: "", urls: [] };
    })
    .then(function (list) {
      if (list.user !== user) return 0; // the session changed meanwhile: keep nothing
      return caches.open(PAGES).then(function (cache) {
        return Promise.all(
          list.urls.map(function (url) {
            return fetch(url, { credentials: "same-origin" }).then(function (response) {
              return keptPage(response) ? cache.put(url, response).then(function () { return 1; }) : 0;
            });
          })
        ).then(function (kept) {
          return kept.reduce(function (a, b) { return a + b; }, 0);
        });
      });
    });
}

/* A page was shown online: {type: "page", user, lang}. The kept pages follow its user. */
function pageShown(data) {
  return readMeta().then(function (meta) {
    var changed = meta.user !== data.user;
    var start = changed ? forgetPages() : Promise.resolve();
    var stale = Date.now() - (meta.refreshed || 0) > REFRESH_MS;
    return start.then(function () {
      var language = caches.open(SHELL).then(function (cache) {
        return cache.match(CM.offline).then(function (hit) {
          var lang = hit ? hit.headers.get("Content-Language") : "";
          return lang === data.lang ? null : fetchOffline();
        });
      });
      if (!data.user || !(changed || stale)) {
        return language.then(function () {
          return writeMeta({ user: data.user, refreshed: data.user ? meta.refreshed : 0 });
        });
      }
      return language
        .then(function () {
          return keepPages(data.user);
        })
        .then(function () {
          return writeMeta({ user: data.user, refreshed: Date.now() });
        });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var work;
  if (data.type === "page") work = pageShown(data);
  else if (data.type === "logout") work = forgetPages().then(function () { return writeMeta({ user: "", refreshed: 0 }); });
  else return;
  event.waitUntil(
    work
      .catch(function () { return null; })
      .then(function () {
        if (port) port.postMessage({ type: data.type, done: true });
      })
  );
});

// --- answering requests -----------------------------------------------------------------------

function fromStatic(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (storable(response)) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

function offlinePage() {
  return caches.match(CM.offline, { cacheName: SHELL }).then(function (hit) {
    return hit || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

function navigate(request) {
  return fetch(request)
    .then(function (response) {
      if (keptPage(response)) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) {
          return cache.put(request.url, copy);
        });
      }
      return response;
    })
    .catch(function () {
      return caches.match(request.url, { cacheName: PAGES, ignoreVary: true, ignoreSearch: false })
        .then(function (hit) {
          return hit || offlinePage();
        });
    });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // posts go to the network (the outbox keeps them)
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fromStatic(request));
  } else if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  }
});
