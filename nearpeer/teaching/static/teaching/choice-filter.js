// A filter box above long checkbox lists (e.g. the teachers of a session): typing hides the
// names that do not match; ticked ones always stay visible. Without JavaScript the full list
// of checkboxes still works.
(function () {
  "use strict";
  var lists = {};
  document.querySelectorAll("input.filterable-choice").forEach(function (input) {
    var fieldset = input.closest("fieldset");
    if (fieldset) { lists[fieldset.id || input.name] = fieldset; }
  });
  Object.keys(lists).forEach(function (key, index) {
    var fieldset = lists[key];
    var items = Array.prototype.slice.call(fieldset.querySelectorAll("input.filterable-choice"));
    if (items.length < 8) { return; }
    var id = "choice-filter-" + index;
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = "Filter the names";
    var box = document.createElement("input");
    box.type = "search";
    box.id = id;
    box.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "muted help";
    status.setAttribute("role", "status");
    var legend = fieldset.querySelector("legend");
    var anchor = legend ? legend.nextSibling : fieldset.firstChild;
    [label, box, status].forEach(function (el) { fieldset.insertBefore(el, anchor); });
    box.addEventListener("input", function () {
      var query = box.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (input) {
        var row = input.closest("div") || input.parentElement;
        var text = (input.parentElement.textContent || "").toLowerCase();
        var visible = !query || input.checked || text.indexOf(query) !== -1;
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      status.textContent = query ? shown + " of " + items.length + " shown" : "";
    });
  });
})();
