// Coding workspace: selecting words in a text fills that text's form with the passage and its
// character offsets. Without JavaScript the passage field is typed by hand (the server finds it).
(function () {
  "use strict";
  function offsetWithin(root, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(root);
    range.setEnd(node, offset);
    return range.toString().length;
  }
  document.addEventListener("mouseup", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    var root = range.commonAncestorContainer;
    while (root && !(root.nodeType === 1 && root.classList.contains("eval-text"))) root = root.parentNode;
    if (!root) return;
    var form = document.querySelector('form.eval-apply[data-unit="' + root.dataset.unit + '"]');
    if (!form) return;
    var start = offsetWithin(root, range.startContainer, range.startOffset);
    var end = offsetWithin(root, range.endContainer, range.endOffset);
    form.elements.start.value = String(start);
    form.elements.end.value = String(end);
    form.elements.passage.value = root.textContent.slice(start, end);
  });
})();
