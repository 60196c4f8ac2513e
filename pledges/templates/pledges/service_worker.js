{% load i18n static %}/* The personal link's service worker (scope /t/): a submit that finds no network is kept
   in IndexedDB and the page the signer saw is answered from the cache; Background Sync, where
   the browser has it, sends it when the network is back (the page sends it too: on "online",
   on focus and on the next visit). Nothing but the personal links' pages goes through here. */
importScripts("{% static 'js/pending_store.js' %}");
var CACHE = "netralitas-signing-v1";
var SYNC_TAG = "netralitas-send";
var LINK = /\/t\/[A-Za-z0-9_-]{16,64}\/$/;
var OFFLINE_PAGE = "<!doctype html><html lang=\"{{ LANGUAGE_CODE|default:'id' }}\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Netralitas</title><main><p>{{ offline_message|escapejs }}</p></main></html>";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function sameOrigin(url) { return url.origin === self.location.origin; }

function keep(request, url) {
  return request.clone().text().then(function (body) {
    return fetch(request).catch(function () {
      return NetralitasPending.add(NetralitasPending.record(url.href, body))
        .then(function () { return self.registration.sync ? self.registration.sync.register(SYNC_TAG) : null; })
        .catch(function () { return null; })
        .then(function () { return caches.match(url.href); })
        .then(function (page) {
          return page || new Response(OFFLINE_PAGE, { headers: { "Content-Type": "text/html; charset=utf-8" } });
        });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (!sameOrigin(url)) { return; }
  if (request.method === "POST" && LINK.test(url.pathname)) {
    event.respondWith(keep(request, url));
  } else if (request.method === "GET") {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(request.url).then(function (cached) {
        if (cached) { return cached; }
        if (request.mode === "navigate") {
          return new Response(OFFLINE_PAGE, { headers: { "Content-Type": "text/html; charset=utf-8" } });
        }
        return Response.error();
      });
    }));
  }
});

function send(record) {
  return fetch(record.url, {
    method: "POST",
    body: record.body,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    credentials: "same-origin",
    redirect: "manual"
  }).then(function (response) {
    // Whatever the answer — a redirect is the server's "signed" (this submission, or the
    // link's earlier one), or closed, or the text changed — the page shows it: it sends the
    // kept submission again at once (the same id: never a second signature), and the signed
    // page drops it. Removed here, a page loading while this message went out would have
    // found nothing kept and shown the empty form of a pact already signed.
    return NetralitasPending.update(record.key, function (kept) {
      if (kept.state === "pending") { kept.state = "answered"; }  // a page may have seen it refused already
      return kept;
    });
  }).then(function () {
    return self.clients.matchAll({ type: "window" }).then(function (clients) {
      clients.forEach(function (client) { client.postMessage({ type: "netralitas-sent", key: record.key }); });
    });
  });
}

function sendAll() {
  return NetralitasPending.all().then(function (records) {
    return Promise.all(records.filter(function (record) { return record.state === "pending"; }).map(function (record) {
      var work = function () { return send(record); };
      return self.navigator.locks ? self.navigator.locks.request("netralitas-send:" + record.key, work) : work();
    }));
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) { event.waitUntil(sendAll()); }
});
