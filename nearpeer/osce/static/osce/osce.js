// OSCE phones: timers in step from the server's clock, and mark sheets that survive a lost
// connection. No inline script (strict CSP); the pages work without this file, just less live.
(function () {
  "use strict";

  // --- Timers -------------------------------------------------------------------------------
  // Every phone counts down to the same server instant. offset = server time − this phone's
  // time, measured at the midpoint of each state request, so a phone whose clock is wrong
  // still shows the same seconds as the others.
  function startTimer(box) {
    var url = box.dataset.stateUrl;
    var offset = Date.parse(box.dataset.serverNow) - Date.now();
    var phase = box.dataset.phase;
    var endsAt = box.dataset.endsAt ? Date.parse(box.dataset.endsAt) : null;
    var firstPhase = phase;
    var phaseEl = box.querySelector(".osce-phase");
    var slotEl = box.querySelector(".osce-slot");
    var remainingEl = box.querySelector(".osce-remaining");
    var labels = {waiting: "Waiting to start", reading: "Reading time", station: "Station time",
                  "time-up": "Time is up", finished: "Finished", round: "Round"};

    function render() {
      phaseEl.textContent = labels[phase] || phase;
      if (endsAt === null) {
        remainingEl.textContent = "";
        box.dataset.remaining = "";
        return;
      }
      var left = Math.max(0, Math.ceil((endsAt - (Date.now() + offset)) / 1000));
      box.dataset.remaining = String(left);
      var m = Math.floor(left / 60), s = left % 60;
      remainingEl.textContent = m + ":" + (s < 10 ? "0" : "") + s + " left";
    }

    function poll() {
      var sent = Date.now();
      fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (state) {
          if (!state) { return; }
          var received = Date.now();
          offset = Date.parse(state.server_now) - (sent + received) / 2;
          phase = state.phase;
          endsAt = state.ends_at ? Date.parse(state.ends_at) : null;
          if (slotEl && state.slot) {
            slotEl.textContent = "round " + state.slot + " of " + state.rounds_total;
          }
          // The candidate's sheet arrives when the practice is finished: show it.
          if (phase === "finished" && firstPhase !== "finished" && box.dataset.slot === undefined) {
            window.location.reload();
          }
          render();
        })
        .catch(function () { /* offline: keep counting with the last offset */ });
    }
    render();
    poll();
    setInterval(render, 250);
    setInterval(poll, 2000);
  }
  document.querySelectorAll(".osce-timer[data-state-url]").forEach(startTimer);

  // --- Mark sheets that survive a lost connection -----------------------------------------------
  // A sheet is queued in localStorage with an id made on this phone, then sent; a failed send
  // stays queued and is retried when the phone is back online. The server treats a repeated id
  // as the same sheet, so retries never duplicate.
  var QUEUE = "nearpeer-osce-queue";

  function load() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(QUEUE, JSON.stringify(queue)); }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function statusFor(key, text) {
    var form = document.querySelector('form.osce-offline[data-key="' + key + '"]');
    if (form) { form.querySelector(".osce-sent").textContent = text; }
  }
  function summary() {
    var el = document.querySelector(".osce-queue");
    if (!el) { return; }
    var n = load().length;
    el.textContent = n ? n + (n === 1 ? " sheet" : " sheets") + " saved on this phone, waiting for a connection." : "";
  }

  function refused(status) { return status === 400 || status === 404 || status === 409; }

  var flushing = false;
  function flush() {
    if (flushing) { return; }
    var queue = load();
    if (!queue.length) { summary(); return; }
    flushing = true;
    var entry = queue[0];
    var body = new URLSearchParams(entry.fields);
    fetch(entry.url, {method: "POST", body: body, credentials: "same-origin",
                      headers: {Accept: "application/json", "X-CSRFToken": entry.csrf}})
      .then(function (r) {
        if (r.ok) {
          save(load().filter(function (e) { return e.id !== entry.id; }));
          statusFor(entry.key, "Sent.");
        } else if (refused(r.status)) {
          // Refused for its content (not a lost connection or an expired sign-in): drop it and
          // say so, or it would block the queue. Anything else stays queued and is retried.
          save(load().filter(function (e) { return e.id !== entry.id; }));
          statusFor(entry.key, "Not saved: check every item is marked, then save again.");
        }
        flushing = false;
        summary();
        if (r.ok || refused(r.status)) { flush(); }
      })
      .catch(function () { flushing = false; summary(); });
  }

  document.querySelectorAll("form.osce-offline").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var idField = Array.from(form.elements).find(function (el) {
        return el.name && el.name.slice(-9) === "client_id";
      });
      var id = newId();
      if (idField) { data.set(idField.name, id); }
      var fields = [];
      data.forEach(function (value, name) { fields.push([name, value]); });
      var csrf = data.get("csrfmiddlewaretoken");
      var queue = load().filter(function (e) { return e.key !== form.dataset.key; });
      queue.push({id: id, key: form.dataset.key, url: form.action, fields: fields, csrf: csrf});
      save(queue);
      statusFor(form.dataset.key, "Saved on this phone; sending…");
      summary();
      flush();
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 3000);
  load().forEach(function (e) { statusFor(e.key, "Saved on this phone; waiting to send."); });
  flush();
})();
