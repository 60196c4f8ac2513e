/* The apel kiosk (pledges/kiosk.py): the signing step comes into the start page's place
   (no history entry holds a signer), and after signing — or when a signer walks away, or
   presses "Batal" — location.replace brings a blank start page: nothing of the previous
   signer stays in the DOM, the history or the back button. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root || !window.fetch || !window.DOMParser) { return; }
  var start = root.getAttribute("data-start");
  var SIGNER_IDLE_MS = 120000;  // a signer who walked away: back to the start
  var timer = null;

  function reset(url) { location.replace(url || start); }

  function idle() {
    window.clearTimeout(timer);
    if (document.getElementById("sign-form")) { timer = window.setTimeout(reset, SIGNER_IDLE_MS); }
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var next = fresh.getElementById("kiosk");
    if (!next) { reset(); return; }
    root.replaceWith(document.adoptNode(next));
    root = next;
    document.title = fresh.title;
    if (document.getElementById("signature-pad") && window.netralitasSignPad) { window.netralitasSignPad(); }
    bind();
    idle();
    window.scrollTo(0, 0);
    var focus = root.querySelector("[role=alert], h1");
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
  }

  function bind() {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-kiosk-form]"), function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }
        event.preventDefault();
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", cache: "no-store" })
          .then(function (response) {
            if (response.redirected) { reset(response.url); return null; }
            return response.text().then(swap);
          })
          .catch(function () {
            var button = form.querySelector("button[type=submit]");
            if (button) { button.disabled = false; }
          });
      });
    });
    var cancel = document.getElementById("kiosk-cancel");
    if (cancel) { cancel.addEventListener("click", function (event) { event.preventDefault(); reset(); }); }
  }

  ["pointerdown", "keydown"].forEach(function (name) { document.addEventListener(name, idle, true); });
  bind();
  idle();
})();
