// "Salin pesan" on the unsigned list: copy the unit head's WhatsApp message and
// record it (a POST of its form, answered 204). Without this script the button
// submits the form, which records it and comes back to the page.
(function () {
  "use strict";

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    // A plain-HTTP address (the demo on a phone): the older way still works there.
    field.select();
    document.execCommand("copy");
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var form = button.form;
    var field = document.getElementById(button.dataset.copy);
    copy(field)
      .then(function () {
        return fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
        });
      })
      .then(function (response) {
        button.textContent = response.ok ? button.dataset.done : button.dataset.failed;
        button.classList.toggle("btn-outline-success", response.ok);
      })
      .catch(function () {
        button.textContent = button.dataset.failed;
      });
  });
})();
