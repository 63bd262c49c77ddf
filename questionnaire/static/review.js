// The review page keeps what a reviewer types. Progressive enhancement: without this
// script the page's one form still saves everything together, and the server stays the
// judge. With it: a draft of unsaved text is kept in this tab's sessionStorage (not
// localStorage: review texts are confidential and should not outlive the tab on a shared
// computer) and put back after a reload, until the server has saved that page; leaving
// with unsaved text asks first; a second click does not send the form twice.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var form = document.getElementById("review-form");
  if (!form) { return; }
  var refused = form.querySelector("[aria-invalid='true']");
  if (refused) { refused.focus(); } // the first field the server refused, with its reason
  var SKIPPED = ["csrf_token", "request_id", "rating_base", "action"];
  var key = "review-draft:" + form.dataset.draftKey;
  var page = form.elements.namedItem("request_id").value;
  var notice = document.getElementById("draft-restored");
  var storage = null;
  try {
    storage = window.sessionStorage;
    storage.getItem(key);
  } catch (error) {
    storage = null; // storage refused (private mode, policy): the guard still works
  }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && SKIPPED.indexOf(field.name) < 0 &&
        ["submit", "button", "hidden"].indexOf(field.type) < 0;
    });
  }

  function values() {
    var found = {};
    fields().forEach(function (field) {
      if (field.type === "radio") {
        if (field.checked) { found[field.name] = field.value; }
        else if (!(field.name in found)) { found[field.name] = ""; }
      } else {
        found[field.name] = field.value;
      }
    });
    return found;
  }

  function put(saved) {
    fields().forEach(function (field) {
      if (!(field.name in saved)) { return; }
      if (field.type === "radio") { field.checked = field.value === saved[field.name]; }
      else { field.value = saved[field.name]; }
    });
  }

  function differs(a, b) {
    return Object.keys(a).some(function (name) { return name in b && a[name] !== b[name]; });
  }

  function read() {
    if (!storage) { return null; }
    try { return JSON.parse(storage.getItem(key) || "null"); } catch (error) { return null; }
  }

  function keep(current) {
    if (storage) { storage.setItem(key, JSON.stringify({ page: page, values: current })); }
  }

  function forget() {
    if (storage) { storage.removeItem(key); }
  }

  var shown = values();
  var dirty = false;
  var draft = read();
  if (draft && form.dataset.savedPage && draft.page === form.dataset.savedPage) {
    forget(); // the server saved the page this draft was typed on
    draft = null;
  }
  if (draft && draft.values && differs(draft.values, shown)) {
    put(draft.values);
    dirty = true;
    keep(values()); // from now on the draft belongs to this page
    if (notice) { notice.hidden = false; }
  } else if (draft) {
    forget();
  }

  function typed() {
    var current = values();
    dirty = differs(current, shown);
    if (dirty) { keep(current); } else { forget(); }
  }
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);

  var discard = notice && notice.querySelector("[data-discard-draft]");
  if (discard) {
    discard.addEventListener("click", function () {
      put(shown);
      forget();
      dirty = false;
      notice.hidden = true;
    });
  }

  var sending = false;
  form.addEventListener("submit", function (event) {
    if (sending) { event.preventDefault(); return; } // a second click: already on its way
    sending = true;
    if (dirty) { keep(values()); } // kept until the server says this page is saved
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !sending) {
      event.preventDefault();
      event.returnValue = form.dataset.leaveWarning || "";
      return event.returnValue;
    }
    return undefined;
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { sending = false; } // back to this page from the history
  });
})();
