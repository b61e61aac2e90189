/* Nearpeer live questions: a WebSocket that reconnects with backoff and jitter, and says when
   live updates are paused so the page can fall back to plain HTTP. No framework. */
(function () {
  "use strict";

  var FATAL = { 4400: true, 4401: true, 4403: true, 4404: true };
  var PAUSED_AFTER = 2; // failed attempts in a row before telling the person

  function LiveSocket(options) {
    this.path = options.path;
    this.query = options.query || "";
    this.onMessage = options.onMessage;
    this.onStatus = options.onStatus;
    this.attempts = 0;
    this.ws = null;
    this.stopped = false;
    this.open = false;
    if (!("WebSocket" in window)) {
      this.onStatus("paused");
      return;
    }
    this.connect();
  }

  LiveSocket.prototype.connect = function () {
    var self = this;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws;
    try {
      ws = new WebSocket(scheme + window.location.host + this.path + this.query);
    } catch (e) {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = function () {
      self.open = true;
      self.attempts = 0;
      self.onStatus("live");
    };
    ws.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (message.type === "error" && message.code === "live_unavailable") {
        self.onStatus("paused");
      }
      self.onMessage(message);
    };
    ws.onclose = function (event) {
      self.open = false;
      self.ws = null;
      if (FATAL[event.code]) {
        self.stopped = true;
        self.onStatus("stopped");
        return;
      }
      self.retry();
    };
  };

  LiveSocket.prototype.retry = function () {
    if (this.stopped) return;
    this.attempts += 1;
    if (this.attempts >= PAUSED_AFTER) this.onStatus("paused");
    // Exponential backoff with full jitter: a room of phones does not reconnect in step.
    var ceiling = Math.min(15000, 500 * Math.pow(2, this.attempts));
    var delay = Math.floor(Math.random() * ceiling) + 250;
    var self = this;
    window.setTimeout(function () { self.connect(); }, delay);
  };

  LiveSocket.prototype.send = function (message) {
    if (!this.open || !this.ws) return false;
    try {
      this.ws.send(JSON.stringify(message));
      return true;
    } catch (e) {
      return false;
    }
  };

  function postJSON(url, body) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var headers = { "Content-Type": "application/json" };
    if (token) headers["X-CSRFToken"] = token.value;
    return window.fetch(url, {
      method: "POST",
      headers: headers,
      credentials: "same-origin",
      body: JSON.stringify(body)
    }).then(function (response) { return response.json(); });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* A snapshot's countdown (state.closes_in, seconds from when it was sent) shown in `node`,
     ticking; `onDone` once it reaches 0. Each call replaces the node's previous countdown. */
  function countdown(node, closesIn, onDone) {
    if (!node) return;
    if (node._countdown) window.clearInterval(node._countdown);
    node._countdown = null;
    if (closesIn === null || closesIn === undefined) {
      node.textContent = "";
      node.hidden = true;
      return;
    }
    var deadline = Date.now() + closesIn * 1000;
    node.hidden = false;
    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left > 0) {
        node.textContent = "Closes in " + left + " s";
        return;
      }
      node.textContent = "Time is up";
      window.clearInterval(node._countdown);
      node._countdown = null;
      if (onDone) onDone();
    }
    tick();
    if (closesIn > 0) node._countdown = window.setInterval(tick, 250);
  }

  /* The item's image (snapshot item.image, item.image_alt) as a figure, or null. */
  function itemImage(item) {
    if (!item || !item.image) return null;
    var figure = el("figure", "live-figure");
    var img = document.createElement("img");
    img.src = item.image;
    img.alt = item.image_alt || "";
    figure.appendChild(img);
    return figure;
  }

  /* rows: [{rank, nickname, score}] from a snapshot's "leaderboard" (absent when off). */
  function renderLeaderboard(container, rows) {
    if (!container || !rows) return;
    container.textContent = "";
    var list = el("ol", "live-leaderboard");
    list.setAttribute("aria-label", "Leaderboard");
    if (!rows.length) list.appendChild(el("li", "muted", "Nobody has chosen a nickname yet."));
    rows.forEach(function (row) {
      var li = el("li");
      li.appendChild(el("span", "live-rank", row.rank + "."));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "live-nick", row.nickname));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "live-score", row.score + " correct"));
      list.appendChild(li);
    });
    container.appendChild(list);
  }

  // `mine`: the option this device chose (participants' own page only), marked in the bars.
  function renderResults(container, item, results, correct, showBars, mine) {
    container.textContent = "";
    if (!results) return;
    var total = results.total || 0;
    if (showBars && results.words && (!results.counts || results.counts.length === 0)) {
      var words = el("ul", "live-words");
      words.setAttribute("aria-label", "Most frequent answers");
      // Sizes as protocol.word_size: 1-5 by the square root of the share of the top word.
      var most = results.words.length ? results.words[0][1] : 0;
      results.words.forEach(function (pair) {
        var li = el("li");
        li.dataset.size = most > 0 ? 1 + Math.round(4 * Math.sqrt(Math.min(pair[1], most) / most)) : 1;
        li.appendChild(el("span", "live-word", pair[0]));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "muted", String(pair[1])));
        words.appendChild(li);
      });
      container.appendChild(words);
    } else if (showBars && results.counts) {
      var list = el("ul", "live-bars");
      results.counts.forEach(function (n, index) {
        var label = item && item.options ? item.options[index] : String(index + 1);
        var li = el("li", correct === index ? "live-correct" : "");
        var name = el("span", "live-bar-label", label);
        if (correct === index) {
          name.appendChild(document.createTextNode(" "));
          name.appendChild(el("span", "badge badge-ok", "correct"));
        }
        if (mine === index) {
          name.appendChild(document.createTextNode(" "));
          name.appendChild(el("span", "badge", "your answer"));
        }
        li.appendChild(name);
        var meter = el("meter");
        meter.min = 0;
        meter.max = Math.max(total, 1);
        meter.value = n;
        meter.setAttribute("aria-label", label);
        li.appendChild(meter);
        li.appendChild(el("span", "live-bar-count", String(n)));
        li.appendChild(document.createTextNode(" "));
        // Whole percent, rounded one by one (as protocol.percent).
        li.appendChild(el("span", "live-bar-share", (total > 0 ? Math.round(100 * n / total) : 0) + "%"));
        list.appendChild(li);
      });
      container.appendChild(list);
    }
    var line = total + (total === 1 ? " answer" : " answers");
    if (showBars && item && item.kind === "rating" && total > 0 && results.counts) {
      // The scale's mean, as protocol.rating_mean: the first point is 1, one decimal.
      var points = results.counts.reduce(function (sum, n, index) { return sum + (index + 1) * n; }, 0);
      line += " · average " + (Math.round(10 * points / total) / 10).toFixed(1) + " of " + results.counts.length;
    }
    container.appendChild(el("p", "live-total", line));
  }

  /* An audience question as a list row: its text, then its votes (and whether answered). */
  function questionRow(q) {
    var li = el("li");
    li.appendChild(el("span", "live-q-text", q.text));
    li.appendChild(document.createTextNode(" "));
    var votes = q.upvotes + (q.upvotes === 1 ? " vote" : " votes");
    li.appendChild(el("span", "muted", votes + (q.status === "answered" ? " · answered" : "")));
    return li;
  }

  function randomRef() {
    return Math.random().toString(36).slice(2, 10);
  }

  window.NearpeerLive = {
    LiveSocket: LiveSocket,
    postJSON: postJSON,
    el: el,
    renderResults: renderResults,
    renderLeaderboard: renderLeaderboard,
    itemImage: itemImage,
    countdown: countdown,
    questionRow: questionRow,
    randomRef: randomRef
  };
})();
