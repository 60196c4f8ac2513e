/* Confirmation page: ask the tiny PDF status endpoint (not the whole page) until the
   signed PDF is ready, then show its download button. Slows down the longer it waits. */
(function () {
  "use strict";
  var box = document.getElementById("pdf-status");
  if (!box || !window.fetch) { return; }
  var waiting = document.getElementById("pdf-waiting");
  var download = document.getElementById("pdf-download");
  var delay = 3000;
  function poll() {
    fetch(box.getAttribute("data-poll"), { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : { ready: false }; })
      .then(function (status) {
        if (status.ready) {
          download.querySelector("a").setAttribute("href", status.url);
          download.hidden = false;
          waiting.hidden = true;
          return;
        }
        delay = Math.min(delay * 1.5, 30000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }
  window.setTimeout(poll, delay);
})();
