/* "Answer as you watch": each item's "answer at this moment" link starts the embedded recording
   at that item's moment (an HTML5 player seeks; a provider's iframe reloads at that start), and
   while an HTML5 player plays, the item whose moment was reached last is marked. Without
   JavaScript the links open the player at that moment instead. */
(function () {
  "use strict";
  var box = document.getElementById("live-player");
  if (!box) return;
  var media = document.getElementById("live-player-media");
  var frame = document.getElementById("live-player-frame");
  var items = Array.prototype.slice.call(document.querySelectorAll(".live-after > li[data-seconds]"));

  function seek(link) {
    var seconds = parseInt(link.dataset.seconds, 10) || 0;
    if (media) {
      media.currentTime = seconds;
      var played = media.play();
      if (played && played.catch) played.catch(function () {});
    } else if (frame) {
      frame.src = link.dataset.seekUrl;
    }
    box.scrollIntoView({ block: "nearest" });
    mark(seconds);
  }

  function mark(seconds) {
    var now = null;
    items.forEach(function (li) {
      if (parseInt(li.dataset.seconds, 10) <= seconds) now = li;
    });
    items.forEach(function (li) {
      if (li === now) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
      li.classList.toggle("live-now", li === now);
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.live-seek") : null;
    if (!link) return;
    event.preventDefault();
    seek(link);
  });
  if (media) {
    media.addEventListener("timeupdate", function () { mark(media.currentTime); });
  }
})();
