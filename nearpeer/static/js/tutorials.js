// Tutorials: tap a slot to cycle yes → if need be → no; filter the friends list by name.
// Progressive enhancement only: without this script the radios and the select still work.
(function () {
  "use strict";
  var LABELS = { yes: "Yes", if_need_be: "If need be", no: "No" };
  var ORDER = ["yes", "if_need_be", "no"];

  function enhanceGrid(form) {
    form.classList.add("js-cycle");
    form.querySelectorAll("fieldset.avail-slot").forEach(function (fieldset) {
      var radios = Array.prototype.slice.call(fieldset.querySelectorAll("input[type=radio]"));
      var legend = fieldset.querySelector("legend");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cycle-button";
      function current() {
        var checked = radios.filter(function (r) { return r.checked; })[0];
        return checked ? checked.value : "no";
      }
      function show() {
        var value = current();
        button.dataset.answer = value;
        button.textContent = LABELS[value];
        button.setAttribute("aria-label", legend.textContent.trim() + ": " + LABELS[value] + ". Tap to change.");
      }
      button.addEventListener("click", function () {
        var next = ORDER[(ORDER.indexOf(current()) + 1) % ORDER.length];
        radios.forEach(function (r) { r.checked = r.value === next; });
        show();
      });
      radios.forEach(function (r) { r.tabIndex = -1; });
      fieldset.appendChild(button);
      show();
    });
  }

  function enhanceFriendFilter(input) {
    var select = document.getElementById("id_friends");
    if (!select) { return; }
    input.hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = needle !== "" && !option.selected && option.text.toLowerCase().indexOf(needle) === -1;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-cycle-grid]").forEach(enhanceGrid);
    document.querySelectorAll("input.friend-filter").forEach(enhanceFriendFilter);
  });
})();
