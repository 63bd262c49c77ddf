// Copy buttons for links the secretariat hands over (invitation links). Without scripts the
// read-only field is still there to select and copy; with them, focusing it selects the
// whole link and the button copies it in one press.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (box) {
    var source = box.querySelector("[data-copy-source]");
    var button = box.querySelector("[data-copy-button]");
    var done = box.querySelector("[data-copy-done]");
    if (!source || !button) { return; }
    source.addEventListener("focus", function () { source.select(); });
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        if (done) { done.hidden = false; }
      }, function () {
        source.focus();  // copying was refused: the link is selected for Ctrl+C instead
      });
    });
  });
})();
