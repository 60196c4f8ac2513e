/* The submissions kept on this device until the network takes them (IndexedDB): one per
   personal link, keyed by the link's path. Used by the signing pages and the service worker. */
var NetralitasPending = (function () {
  "use strict";
  var NAME = "netralitas-offline";
  var STORE = "pending";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request.result); };
        transaction.onabort = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  return {
    get: function (key) { return run("readonly", function (store) { return store.get(key); }); },
    all: function () { return run("readonly", function (store) { return store.getAll(); }); },
    put: function (record) { return run("readwrite", function (store) { return store.put(record); }); },
    /* Change the record of ``key`` (if any) by ``change(record)`` in one transaction:
       nobody else's write comes between the read and the write. */
    update: function (key, change) {
      return run("readwrite", function (store) {
        var request = store.get(key);
        request.onsuccess = function () { if (request.result) { store.put(change(request.result)); } };
        return request;
      });
    },
    remove: function (key) { return run("readwrite", function (store) { return store.delete(key); }); },
    /* Keep ``record`` unless this link already has one: the first submission stays, a
       second tab or a second press makes no second one. Resolves true when stored. */
    add: function (record) {
      return run("readwrite", function (store) { return store.add(record); }).then(
        function () { return true; },
        function (error) { if (error && error.name === "ConstraintError") { return false; } throw error; }
      );
    },
    /* The fields of a pending record from the form body as the browser encoded it. */
    record: function (url, body) {
      var fields = new URLSearchParams(body);
      return {
        key: new URL(url).pathname,
        url: url,
        body: body,
        submission_id: fields.get("submission_id") || "",
        claimed_ms: Number(fields.get("claimed_ms")) || Date.now(),
        drawing: fields.get("signature") || "",
        state: "pending",
        tried_ms: 0
      };
    }
  };
})();
