/* The personal link when the network fails: a submit without network is kept on this phone
   (IndexedDB, one per link) and sent when the network is back — by the service worker's
   Background Sync where the browser has it, and by this page on "online", on focus, every
   15 s while it stays open and on the next visit. The server's answer (signed, closed, text
   changed) is then shown as usual. */
(function () {
  "use strict";
  var script = document.currentScript;
  var store = window.NetralitasPending;
  if (!script || !store || !window.indexedDB) { return; }
  var page = script.getAttribute("data-page");
  var key = location.pathname;
  var CACHE = "netralitas-signing-v1";
  var RETRY_AFTER_MS = 15000;  // a reload that finds no network again does not loop

  function forget() {
    store.remove(key).catch(function () {});
    if (window.caches) { caches.open(CACHE).then(function (cache) { cache.delete(location.href); }); }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  /* Post the kept submission as the form would (a navigation: the server's answer is the
     page shown), by one tab at a time (Web Locks where the browser has them). */
  function send(record, force) {
    // "answered": the service worker reached the server meanwhile and it answered with a page
    // for this link (closed, the text changed), which this page then loaded without it:
    // send from here at once to show that answer — the network works.
    var due = force || record.state === "answered" || Date.now() - (record.tried_ms || 0) >= RETRY_AFTER_MS;
    if (!navigator.onLine || !due) { return; }
    var post = function () {
      record.tried_ms = Date.now();
      record.state = "pending";  // should this send find no network, the wait applies again
      return store.put(record).then(function () {
        var form = document.createElement("form");
        form.method = "post";
        form.action = record.url;
        form.hidden = true;
        new URLSearchParams(record.body).forEach(function (value, name) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = name;
          input.value = value;
          form.appendChild(input);
        });
        document.body.appendChild(form);
        form.submit();
        return new Promise(function () {});  // hold the lock until this page is gone
      });
    };
    if (navigator.locks) {
      navigator.locks.request("netralitas-send:" + key, { ifAvailable: true }, function (lock) { return lock ? post() : null; });
    } else {
      post();
    }
  }

  /* Send what this link keeps, as it is in the store now (the service worker or another
     tab may have changed it since this page loaded); nothing once it was refused. */
  function sendKept(force) {
    store.get(key).then(function (kept) {
      if (kept && kept.state !== "refused") { send(kept, force); }
    }).catch(function () {});
  }

  function watch(record) {
    window.addEventListener("online", function () { sendKept(true); });
    window.addEventListener("focus", function () { sendKept(false); });
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "netralitas-sent" && event.data.key === key) { location.replace(location.href); }
      });
    }
    send(record, false);
    // While this page stays open, look again every few seconds and send once the wait is
    // over: a send that found no network while the worker's Background Sync failed too (its
    // next try minutes away) is not left to the next focus or visit.
    window.setInterval(function () { sendKept(false); }, RETRY_AFTER_MS / 3);
  }

  if (page === "signed") { forget(); return; }

  if (page === "closed") {
    store.get(key).then(function (record) {
      var shown = document.querySelector("#late-refusal .refused-drawing");
      if (!record && shown) {
        // Sent straight, refused for lateness: kept on this phone all the same.
        record = store.record(location.href, "");
        record.drawing = shown.getAttribute("src");
      }
      if (!record) { return; }
      if (script.hasAttribute("data-refused") || record.state === "refused") {
        // Refused for lateness: kept on this phone and shown, never sent again.
        record.state = "refused";
        store.put(record);
        var box = document.getElementById("pending-refused");
        if (box && !script.hasAttribute("data-refused")) {
          box.querySelector("img").src = record.drawing;
          box.hidden = false;
        }
        return;
      }
      watch(record);
    });
    return;
  }

  // The signing page.
  var form = document.getElementById("sign-form");
  if (!form) { return; }
  var answer = script.hasAttribute("data-answer");
  if (answer) {
    // The server answered a submit with this page (the text changed, or something to
    // correct): the drawing is back in the box, nothing is pending any more.
    store.remove(key).catch(function () {});
  } else if (window.caches) {
    // This page as it came, for a reload without network (the service worker answers
    // from here), and the files it needs.
    var html = "<!doctype html>\n" + document.documentElement.outerHTML;
    var files = Array.prototype.map.call(
      document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]"),
      function (node) { return node.src || node.href; }
    );
    caches.open(CACHE).then(function (cache) {
      cache.put(location.href, new Response(html, { headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
      } }));
      return cache.addAll(files);
    }).catch(function () {});
  }
  if (navigator.serviceWorker && script.getAttribute("data-worker")) {
    navigator.serviceWorker.register(script.getAttribute("data-worker")).catch(function () {});
  }

  function showPending(record) {
    form.hidden = true;
    var box = document.getElementById("pending");
    box.querySelector("img").src = record.drawing;
    box.hidden = false;
    document.getElementById("pending-send").addEventListener("click", function () { sendKept(true); });
    watch(record);
  }

  if (!answer) {
    store.get(key).then(function (record) { if (record) { showPending(record); } });
  }

  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    // Minted before any network call: the same submission sent twice is one signature.
    var id = document.getElementById("id_submission_id");
    if (!id.value) { id.value = newId(); }
    document.getElementById("id_claimed_ms").value = String(Date.now());
    if (navigator.onLine) { return; }
    // No network at all: keep it here at once (the service worker keeps what fails later).
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form)).toString();
    var record = store.record(location.href, body);
    store.add(record).then(function () { return store.get(key); }).then(function (kept) {
      showPending(kept);
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (registration) {
          return registration.sync ? registration.sync.register("netralitas-send") : null;
        }).catch(function () {});
      }
    });
  });
})();
