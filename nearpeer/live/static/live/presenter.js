/* The presenter view and the full-screen results view: both listen on the presenter socket;
   the presenter view also sends controls and moderation over it (forms still work without). */
(function () {
  "use strict";
  var L = window.NearpeerLive;
  var root = document.getElementById("live-root");
  if (!root || !L) return;

  var isScreen = root.classList.contains("live-screen");
  var statusEl = document.getElementById("live-status");
  var promptEl = document.getElementById("live-prompt");
  var imageEl = document.getElementById("live-image");
  var countdownEl = document.getElementById("live-countdown");
  var resultsEl = document.getElementById("live-results");
  var stateEl = document.getElementById("live-deck-state");
  var questionsEl = document.getElementById("live-questions");
  var boardEl = document.getElementById("live-leaderboard");
  var itemsEl = document.getElementById("live-items");
  var itemTemplate = document.getElementById("live-item-template");
  var screenQuestionsEl = document.getElementById("live-screen-questions");
  var KINDS = {
    choice: "Multiple choice (a quiz when keyed)",
    question: "Question from the bank",
    rating: "Rating scale",
    wordcloud: "Word cloud",
    text: "Open text"
  };
  var current = null;

  function setMode(mode) {
    statusEl.classList.toggle("live-paused", mode === "paused");
    if (mode === "live") statusEl.textContent = "";
    if (mode === "paused") statusEl.textContent = "Live updates paused: reconnecting. Reload to see new answers.";
    if (mode === "stopped") statusEl.textContent = "This presenter link no longer works. Reload the page.";
  }

  function showBars(snapshot) {
    return !isScreen || snapshot.state.results_visible || snapshot.state.revealed;
  }

  function render(snapshot) {
    current = snapshot;
    var item = snapshot.item;
    promptEl.textContent = item ? item.prompt : (isScreen ? snapshot.deck.title : "Not started");
    if (imageEl) {
      var figure = L.itemImage(item);
      var shown = imageEl.querySelector("img");
      // Keep the same element when the image is unchanged (no flicker on every snapshot).
      if (!figure) imageEl.textContent = "";
      else if (!shown || shown.getAttribute("src") !== item.image) imageEl.replaceChildren(figure);
      else shown.alt = item.image_alt || "";
    }
    if (stateEl) {
      var parts = [snapshot.deck.status === "ended" ? "Ended: answerable with the recording" : snapshot.deck.status === "live" ? "Live" : "Ready"];
      if (snapshot.state.accepting) parts.push("taking answers");
      if (snapshot.state.revealed) parts.push("answer revealed");
      else if (snapshot.state.results_visible) parts.push("results shown");
      stateEl.textContent = parts.join(" · ");
    }
    renderResults(snapshot.results);
    if (snapshot.controls) renderControls(snapshot.controls);
    L.countdown(countdownEl, snapshot.state.accepting ? snapshot.state.closes_in : null, function () {
      if (stateEl) stateEl.textContent = stateEl.textContent.replace("taking answers", "time is up");
      // Time is up: answers are refused, so the item can be opened again, not closed.
      if (snapshot.controls) renderControls(Object.assign({}, snapshot.controls, { open: true, close: false, close_in: false }));
    });
    if (boardEl) {
      // The projector shows the leaderboard only once an answer is revealed.
      var showBoard = snapshot.leaderboard && (!isScreen || snapshot.state.revealed);
      boardEl.hidden = !showBoard;
      if (showBoard) L.renderLeaderboard(boardEl, snapshot.leaderboard);
    }
    if (questionsEl && snapshot.questions) renderQuestions(snapshot.questions);
    if (screenQuestionsEl) {
      screenQuestionsEl.hidden = !snapshot.state.questions_on_screen;
      if (snapshot.questions) renderScreenQuestions(snapshot.questions);
    }
    if (itemsEl && itemTemplate && snapshot.items && snapshot.items.length) renderItems(snapshot.items, item);
  }

  // Controls that would change nothing now (Previous on the first item, Close when closed…)
  // are disabled; keys still send them and the server says why it refuses.
  function renderControls(controls) {
    root.querySelectorAll("button[data-action]:not([data-item])").forEach(function (button) {
      if (button.dataset.action in controls) button.disabled = !controls[button.dataset.action];
    });
  }

  // Items reworded, moved or deleted on the deck page while presenting: the list follows.
  function renderItems(items, now) {
    var rows = items.map(function (it) {
      var row = itemTemplate.content.firstElementChild.cloneNode(true);
      row.querySelector(".live-item-prompt").textContent = it.prompt;
      row.querySelector(".live-item-kind").textContent = "(" + (KINDS[it.kind] || it.kind) + ")";
      row.querySelector("input[name=item]").value = it.id;
      row.querySelector("button").dataset.item = it.id;
      if (now && now.id === it.id) {
        row.setAttribute("aria-current", "step");
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "now";
        row.querySelector(".live-item-kind").after(" ", badge);
      }
      return row;
    });
    itemsEl.replaceChildren.apply(itemsEl, rows);
  }

  function renderResults(results) {
    if (!current || !current.item || !results || results.item !== current.item.id) return;
    var correct = (!isScreen || current.state.revealed) ? current.correct : null;
    L.renderResults(resultsEl, current.item, results, correct, showBars(current));
  }

  function renderQuestions(questions) {
    questionsEl.textContent = "";
    if (!questions.length) {
      questionsEl.appendChild(L.el("li", "muted", "No questions yet."));
      return;
    }
    questions.forEach(function (q) {
      var li = L.el("li");
      li.appendChild(L.el("span", "live-q-text", q.text));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(L.el("span", "muted", q.upvotes + (q.upvotes === 1 ? " vote" : " votes") + " · " + q.status));
      if (q.reply) li.appendChild(L.el("p", "live-reply", q.reply));
      var actions = [];
      if (q.status === "pending") actions.push(["approve", "Approve"]);
      if (q.status !== "answered") actions.push(["answer", "Mark answered"]);
      actions.push(["hide", "Hide"]);
      actions.forEach(function (pair) {
        var button = L.el("button", "secondary", pair[1]);
        button.type = "button";
        button.setAttribute("aria-label", pair[1] + ": " + q.text);
        button.addEventListener("click", function () {
          socket.send({ type: "moderate", question: q.id, action: pair[0], ref: L.randomRef() });
        });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(button);
      });
      questionsEl.appendChild(li);
    });
  }

  // The full-screen view's audience questions: approved ones only (the presenter socket also
  // carries those waiting for a moderator), most voted first, as the server sorts them.
  function renderScreenQuestions(questions) {
    var list = screenQuestionsEl.querySelector("ol");
    var shown = questions.filter(function (q) { return q.status !== "pending"; }).slice(0, parseInt(screenQuestionsEl.dataset.limit, 10));
    list.textContent = "";
    if (!shown.length) list.appendChild(L.el("li", "muted", "None yet."));
    shown.forEach(function (q) { list.appendChild(L.questionRow(q)); });
  }

  function handle(message) {
    if (message.type === "snapshot") render(message);
    else if (message.type === "results") {
      if (current) current.results = message;
      renderResults(message);
    } else if (message.type === "qa") {
      if (questionsEl) renderQuestions(message.questions);
      if (screenQuestionsEl) renderScreenQuestions(message.questions);
    } else if (message.type === "error") {
      statusEl.textContent = message.message;
      if (current && current.controls) renderControls(current.controls); // the refused one again
    }
  }

  if (!isScreen) {
    root.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var message = { type: "control", action: button.dataset.action, ref: L.randomRef() };
      if (button.dataset.item) message.item = parseInt(button.dataset.item, 10);
      var seconds = button.form && button.form.querySelector("[name=seconds]");
      if (seconds) message.seconds = parseInt(seconds.value, 10);
      if (socket.send(message)) {
        event.preventDefault(); // else the form posts as usual
        // Until the server's answer: a double click on Next must not skip an item.
        button.disabled = true;
      }
    });
  }

  // Keys, and the clickers that send them (PageDown/PageUp, arrows), drive the deck from either
  // view: a teacher projecting the full-screen results can move on without going back to the
  // presenter page. Not while typing, nor with a modifier (browser shortcuts stay theirs).
  var KEYS = {
    ArrowRight: "next", PageDown: "next", n: "next", N: "next",
    ArrowLeft: "previous", PageUp: "previous", p: "previous", P: "previous",
    r: "reveal", R: "reveal", s: "show_results", S: "show_results",
    h: "hide_results", H: "hide_results", o: "open", O: "open", c: "close", C: "close"
  };
  document.addEventListener("keydown", function (event) {
    var action = KEYS[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    if (socket.send({ type: "control", action: action, ref: L.randomRef() })) return;
    var button = root.querySelector('button[data-action="' + action + '"]:not([data-item])');
    if (button) button.click(); // the presenter page's form, posted as usual
    else statusEl.textContent = "Keys need the live connection: reconnecting.";
  });

  var fullscreen = document.getElementById("live-fullscreen");
  if (fullscreen && document.documentElement.requestFullscreen) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () {});
    });
  }

  var socket = new L.LiveSocket({
    path: root.dataset.wsPath,
    query: "?token=" + encodeURIComponent(root.dataset.token),
    onMessage: handle,
    onStatus: setMode
  });
})();
