// Mock-exam sitting: a countdown to the server's deadline, and a visible warning when an
// autosave fails (the answer is then sent again with the next change or "Save and next").
(function () {
  "use strict";
  var timer = document.getElementById("timer");
  var value = document.getElementById("timer-value");
  if (timer && value) {
    var deadline = Date.parse(timer.dataset.deadline);
    var submitted = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      timer.classList.toggle("low", left <= 300);
      if (left === 0 && !submitted) {
        submitted = true;
        var form = document.getElementById("submit-form");
        if (form) { form.submit(); }
      }
    };
    tick();
    window.setInterval(tick, 1000);
  }
  var status = document.getElementById("save-status");
  if (status) {
    var failed = function (event) {
      var message = "Not saved: check your connection. Your answer will be saved with your next change.";
      if (event.detail && event.detail.xhr && event.detail.xhr.status === 409) {
        message = event.detail.xhr.responseText;
      }
      status.textContent = message;
      status.classList.add("save-error");
    };
    document.body.addEventListener("htmx:sendError", failed);
    document.body.addEventListener("htmx:responseError", failed);
    document.body.addEventListener("htmx:afterSwap", function () { status.classList.remove("save-error"); });
  }
})();
