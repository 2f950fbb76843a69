// The visual editor: each colour picker kept in step with its hex box, the contrast swatches painted.
(function () {
  "use strict";
  function paint() {
    document.querySelectorAll(".swatch[data-fg]").forEach(function (el) {
      el.style.color = el.dataset.fg;
      el.style.backgroundColor = el.dataset.bg;
    });
  }
  // capture: the hex box holds the picked colour before htmx reads the form for the preview
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches("input[type=color][data-colour-for]")) {
      var box = document.getElementById(el.dataset.colourFor);
      if (box) box.value = el.value;
    } else if (el.id && /^#[0-9a-fA-F]{6}$/.test(el.value)) {
      var picker = document.querySelector('input[data-colour-for="' + el.id + '"]');
      if (picker) picker.value = el.value.toLowerCase();
    }
  }, true);
  document.addEventListener("DOMContentLoaded", paint);
  document.addEventListener("htmx:afterSettle", paint);
})();
