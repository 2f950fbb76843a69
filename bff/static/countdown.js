// Buttons with data-wait count down to when they can be used again (the SMS "resend" button).
// Without JS the button already says when; the server refuses an early press with the time left.
(function () {
  "use strict";
  function label(button, left) {
    if (left <= 0) return button.dataset.ready;
    if (left >= 120) return button.dataset.minutes.replace("{n}", Math.ceil(left / 60));
    return button.dataset.seconds.replace("{n}", left);
  }
  function count(button) {
    if (button.dataset.counting) return;
    button.dataset.counting = "1";
    var until = Date.now() + parseInt(button.dataset.wait, 10) * 1000;
    button.disabled = true;
    var timer = setInterval(function () {
      var left = Math.ceil((until - Date.now()) / 1000);
      button.textContent = label(button, left);
      if (left <= 0 || !button.isConnected) {
        clearInterval(timer);
        button.disabled = false;
      }
    }, 1000);
  }
  function start(root) {
    if (root && root.querySelectorAll) root.querySelectorAll("button[data-wait]").forEach(count);
  }
  document.addEventListener("DOMContentLoaded", function () { start(document); });
  document.addEventListener("htmx:load", function (event) { start(event.target); });
})();
