/* Signing page: the signature pad, undo/clear, and posting the drawing as a PNG. */
/* Named so that the kiosk can set up the pad again on the signing step it brings in. */
(window.netralitasSignPad = function () {
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

  // The drawing as a PNG at one pixel per CSS pixel (at most MAX_WIDTH wide), not at the
  // screen's devicePixelRatio: a phone at ratio 3 would send nine times the pixels —
  // more to upload on a crowded apel network and more for the server to check.
  var MAX_WIDTH = 600;
  function drawingAsPng() {
    var scale = Math.min(1, MAX_WIDTH / canvas.offsetWidth);
    var width = Math.round(canvas.offsetWidth * scale);
    var height = Math.round(canvas.offsetHeight * scale);
    if (canvas.width === width && canvas.height === height) { return pad.toDataURL("image/png"); }
    var small = document.createElement("canvas");
    small.width = width;
    small.height = height;
    var context = small.getContext("2d");
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.drawImage(canvas, 0, 0, width, height);
    return small.toDataURL("image/png");
  }

  form.addEventListener("submit", function (event) {
    if (pad.isEmpty() && !input.value) {
      event.preventDefault();
      empty.hidden = false;
      canvas.scrollIntoView({ block: "center" });
      return;
    }
    if (!input.value) { input.value = drawingAsPng(); }
    submit.disabled = true;
    submit.textContent = submit.getAttribute("data-busy");
  });
})();
