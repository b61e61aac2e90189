/* The participant's live page: renders snapshots, sends answers over the socket, or over
   HTTP POST when the socket is down (the server acks either way; a repeat counts once). */
(function () {
  "use strict";
  var L = window.NearpeerLive;
  var root = document.getElementById("live-root");
  if (!root || !L || root.dataset.status !== "live") return;

  var participant = root.dataset.participant;
  var query = participant ? "?participant=" + encodeURIComponent(participant) : "";
  var statusEl = document.getElementById("live-status");
  var itemEl = document.getElementById("live-item");
  var questionsEl = document.getElementById("live-questions");
  var askForm = document.getElementById("live-ask-form");
  var answered = {};
  var pending = {};
  // This device's own answers (item id → option index or text), so the page can say what you
  // chose and, once the answer is revealed, whether it was right. Only in this tab's
  // sessionStorage: the server stores no such link, and a shared computer keeps nothing once the
  // tab is closed.
  var mineKey = "nearpeer-live-mine:" + root.dataset.code;
  var mine = {};
  try { mine = JSON.parse(window.sessionStorage.getItem(mineKey)) || {}; } catch (e) { mine = {}; }
  // What the server knows this device (or signed-in member) answered, e.g. in another tab.
  var known = document.getElementById("live-yours-data");
  if (known) {
    var fromServer = JSON.parse(known.textContent);
    Object.keys(fromServer).forEach(function (id) { if (!(id in mine)) mine[id] = fromServer[id]; });
  }
  function remember(itemId, value) {
    if (value === undefined) delete mine[itemId]; else mine[itemId] = value;
    try { window.sessionStorage.setItem(mineKey, JSON.stringify(mine)); } catch (e) { /* private mode: this page only */ }
  }
  // Audience questions this tab has voted for (question id → true), kept as the answers are.
  var votedKey = "nearpeer-live-voted:" + root.dataset.code;
  var voted = {};
  try { voted = JSON.parse(window.sessionStorage.getItem(votedKey)) || {}; } catch (e) { voted = {}; }
  function rememberVote(questionId) {
    voted[questionId] = true;
    try { window.sessionStorage.setItem(votedKey, JSON.stringify(voted)); } catch (e) { /* private mode: this page only */ }
  }
  var lastQuestions = null;
  var current = null;
  var mode = "connecting";
  var pollTimer = null;

  function say(text) { statusEl.textContent = text; }

  function setMode(next) {
    mode = next;
    statusEl.classList.toggle("live-paused", next === "paused");
    if (next === "live") {
      say("");
      if (pollTimer) { window.clearTimeout(pollTimer); pollTimer = null; }
    } else if (next === "paused") {
      say("Live updates paused: your answers still count. We keep trying to reconnect.");
      schedulePoll();
    } else if (next === "stopped") {
      say("Live updates stopped. Reload the page to try again.");
    }
  }

  function schedulePoll() {
    if (pollTimer) return;
    var delay = 8000 + Math.floor(Math.random() * 7000);
    pollTimer = window.setTimeout(function () {
      pollTimer = null;
      window.fetch(root.dataset.snapshotUrl + query, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (message) { if (message.type === "snapshot") render(message); })
        .catch(function () {})
        .then(function () { if (mode === "paused") schedulePoll(); });
    }, delay);
  }

  function answerMessage(item, value) {
    var message = { type: "answer", item: item.id, ref: L.randomRef() };
    if (typeof value === "number") message.choice = value; else message.text = value;
    return message;
  }

  function sendAnswer(item, value) {
    var message = answerMessage(item, value);
    pending[message.ref] = message;
    var viaSocket = socket.send(message);
    if (!viaSocket) {
      sendOverHttp(message);
    } else {
      // No ack in time: send the same answer over HTTP (a repeat is counted once).
      window.setTimeout(function () { if (pending[message.ref]) sendOverHttp(message); }, 5000);
    }
    say("Sending…");
  }

  function sendOverHttp(message) {
    L.postJSON(root.dataset.answerUrl + query, message)
      .then(handle)
      .catch(function () { say("Your answer could not be sent. Check your connection and try again."); });
  }

  function handle(message) {
    if (message.type === "snapshot") {
      render(message);
    } else if (message.type === "ack") {
      if (message.item) {
        answered[message.item] = true;
        var sent = pending[message.ref];
        // A duplicate's first answer stands: keep what this device chose then, if it knows.
        if (sent && !message.duplicate) remember(message.item, "choice" in sent ? sent.choice : sent.text);
        say(message.duplicate ? "You had already answered; your first answer stands." : "Answer received.");
        if (current && current.item && current.item.id === message.item) render(current);
      } else if (message.question && pending[message.ref] && "vote" in pending[message.ref]) {
        rememberVote(message.question);
        say(message.duplicate ? "You had already voted for this question." : "Vote counted.");
        if (lastQuestions) renderQuestions(lastQuestions);
      }
      if (message.ref) delete pending[message.ref];
    } else if (message.type === "qa") {
      renderQuestions(message.questions);
    } else if (message.type === "error") {
      if (message.ref) delete pending[message.ref];
      if (message.code !== "live_unavailable") say(message.message);
    }
  }

  var shownImage = { src: null, el: null };
  var timerNode = null;

  function render(snapshot) {
    current = snapshot;
    L.countdown(timerNode, null); // the previous render's, if any
    timerNode = null;
    // A connect snapshot says whether the server has this participant's answer: it is the truth
    // (an acked answer lost in a database crash is offered again; docs/live-protocol.md §9).
    // Taken once: render() runs again on the same snapshot after an ack.
    if (snapshot.item && typeof snapshot.answered === "boolean") {
      answered[snapshot.item.id] = snapshot.answered;
      if (!snapshot.answered) remember(snapshot.item.id, undefined);
    }
    delete snapshot.answered;
    itemEl.textContent = "";
    var item = snapshot.item;
    var heading = L.el("h2", null, item ? item.prompt : "Waiting for the first question…");
    heading.id = "live-prompt";
    itemEl.appendChild(heading);
    // The same element again while the image is the same: re-rendering on every snapshot
    // (results, reveal) must not fetch or flash it again.
    if (!item || !item.image) shownImage = { src: null, el: null };
    else if (shownImage.src !== item.image) shownImage = { src: item.image, el: L.itemImage(item) };
    else shownImage.el.querySelector("img").alt = item.image_alt || "";
    if (shownImage.el) itemEl.appendChild(shownImage.el);
    if (item) {
      if (answered[item.id]) {
        itemEl.appendChild(L.el("p", "message message-success", "You have answered this one."));
        var own = yourAnswer(item, snapshot.correct);
        if (own) itemEl.appendChild(own);
      } else if (snapshot.state.accepting) {
        var form = answerForm(item);
        if (typeof snapshot.state.closes_in === "number") {
          timerNode = L.el("p", "live-countdown");
          timerNode.setAttribute("role", "timer");
          itemEl.appendChild(timerNode);
          L.countdown(timerNode, snapshot.state.closes_in, function () {
            if (form.parentNode) form.replaceWith(L.el("p", "muted", "Time is up for this one."));
          });
        }
        itemEl.appendChild(form);
      } else {
        itemEl.appendChild(L.el("p", "muted", "Answers are closed for this one."));
      }
      if (snapshot.results) {
        var box = L.el("div");
        L.renderResults(box, item, snapshot.results, snapshot.correct, true, mine[item.id]);
        itemEl.appendChild(box);
      }
    }
    if (snapshot.questions) renderQuestions(snapshot.questions);
    if (snapshot.leaderboard) L.renderLeaderboard(document.getElementById("live-leaderboard"), snapshot.leaderboard);
  }

  // "Your answer: …", and once the key is revealed whether it was right.
  function yourAnswer(item, correct) {
    var value = mine[item.id];
    if (value === undefined) return null;
    var chosen = typeof value === "number" ? (item.options || [])[value] : value;
    if (chosen === undefined) return null;
    var p = L.el("p", "live-yours");
    p.id = "live-yours";
    if (typeof value === "number" && typeof correct === "number") {
      var right = value === correct;
      if (right) p.classList.add("live-yours-right");
      p.textContent = right
        ? "Your answer, " + chosen + ", is correct."
        : "Your answer was " + chosen + ". The correct answer is " + item.options[correct] + ".";
    } else {
      p.textContent = "Your answer: " + chosen;
    }
    return p;
  }

  function answerForm(item) {
    var form = L.el("form", "live-answer-form");
    if (item.options && item.options.length) {
      var fieldset = L.el("fieldset", "live-options");
      var legend = L.el("legend", "sr-only", item.prompt);
      fieldset.appendChild(legend);
      item.options.forEach(function (option, index) {
        var button = L.el("button", "live-option", option);
        button.type = "button";
        button.addEventListener("click", function () { sendAnswer(item, index); });
        fieldset.appendChild(button);
      });
      form.appendChild(fieldset);
    } else {
      var id = "answer-" + item.id;
      var label = L.el("label", null, item.kind === "wordcloud" ? "Your word" : "Your answer");
      label.htmlFor = id;
      var input = L.el("input");
      input.type = "text";
      input.id = id;
      input.required = true;
      input.autocomplete = "off";
      input.maxLength = item.kind === "wordcloud" ? 40 : 280;
      var send = L.el("button", "primary", "Send");
      send.type = "submit";
      form.appendChild(label);
      form.appendChild(input);
      form.appendChild(send);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (input.value.trim()) sendAnswer(item, input.value.trim());
      });
    }
    return form;
  }

  function renderQuestions(questions) {
    if (!questionsEl) return;
    lastQuestions = questions;
    questionsEl.textContent = "";
    if (!questions.length) {
      questionsEl.appendChild(L.el("li", "muted", "None yet."));
      return;
    }
    questions.forEach(function (q) {
      var li = L.questionRow(q);
      if (q.reply) {
        var reply = L.el("p", "live-reply");
        reply.appendChild(L.el("span", "sr-only", "Reply: "));
        reply.appendChild(document.createTextNode(q.reply));
        li.appendChild(reply);
      }
      if (socket.open && q.status !== "answered") {
        var up = L.el("button", "secondary live-upvote", voted[q.id] ? "Voted" : "Upvote");
        up.type = "button";
        up.disabled = !!voted[q.id];
        up.setAttribute("aria-label", (voted[q.id] ? "You voted for: " : "Upvote: ") + q.text);
        up.addEventListener("click", function () {
          var ref = L.randomRef();
          pending[ref] = { vote: q.id };
          if (socket.send({ type: "upvote", question: q.id, ref: ref })) up.disabled = true;
          else delete pending[ref];
        });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(up);
      }
      questionsEl.appendChild(li);
    });
  }

  if (askForm) {
    askForm.addEventListener("submit", function (event) {
      var text = askForm.querySelector("textarea").value.trim();
      if (!text) return;
      var message = { type: "ask", text: text, ref: L.randomRef() };
      if (socket.send(message)) {
        event.preventDefault();
        askForm.reset();
        say("Question sent. It appears once the moderator approves it.");
      }
    });
  }

  var socket = new L.LiveSocket({
    path: root.dataset.wsPath,
    query: query,
    onMessage: handle,
    onStatus: setMode
  });
})();
