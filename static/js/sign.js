/* Signing page: the signature pad, undo/clear, and posting the drawing as a PNG. */
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  var form = document.getElementById("sign-form");
  if (!canvas || !form || typeof SignaturePad === "undefined") { return; }
  var input = document.getElementById("id_signature");
  var empty = document.getElementById("pad-empty");
  var submit = document.getElementById("sign-submit");
  var pad = new SignaturePad(canvas, { penColor: "#0b1f4b", minWidth: 0.9, maxWidth: 2.8, backgroundColor: "rgba(0,0,0,0)" });

  function resize() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var data = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }
  window.addEventListener("resize", resize);
  resize();
  if (input.value) {
    // Back from the server with an error (e.g. the box was not ticked): keep the drawing.
    pad.fromDataURL(input.value, { width: canvas.offsetWidth, height: canvas.offsetHeight });
  }
  pad.addEventListener("beginStroke", function () { empty.hidden = true; input.value = ""; });

  document.getElementById("pad-undo").addEventListener("click", function () {
    var data = pad.toData();
    if (data.length) { data.pop(); pad.fromData(data); }
    input.value = "";
  });
  document.getElementById("pad-clear").addEventListener("click", function () { pad.clear(); input.value = ""; });

  form.addEventListener("submit", function (event) {
    if (pad.isEmpty() && !input.value) {
      event.preventDefault();
      empty.hidden = false;
      canvas.scrollIntoView({ block: "center" });
      return;
    }
    if (!input.value) { input.value = pad.toDataURL("image/png"); }
    submit.disabled = true;
    submit.textContent = submit.getAttribute("data-busy");
  });
})();
