// Autosave for the commitment page. The page works without this file: the Save button
// posts the form. With it, changes are saved a few seconds after typing stops, follow-up
// questions appear as soon as their condition holds, and a failed save is shown plainly.
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form || !form.dataset.autosaveUrl) { return; }
  var status = document.getElementById("save-status");
  // dirty: changed since the last save was sent. unsaved: the form holds text the server
  // has not stored (a conflict, a refusal or a failure keeps it so until a save succeeds).
  var dirty = false, unsaved = false, saving = false, pendingRequestId = null, timer = null;
  var DELAY_MS = 3000;

  function newRequestId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  function show(kind, text) {
    status.className = kind;
    status.textContent = text;
  }

  function applyVisibility(visible) {
    var shown = {};
    visible.forEach(function (id) { shown[id] = true; });
    form.querySelectorAll("[data-question]").forEach(function (block) {
      block.hidden = !shown[block.dataset.question];
    });
  }

  function applyVersions(versions) {
    Object.keys(versions).forEach(function (id) {
      var input = form.querySelector('input[name="version__' + id + '"]');
      if (input) { input.value = versions[id]; }
    });
  }

  function showFieldErrors(fields) {
    form.querySelectorAll("[data-error-for]").forEach(function (p) {
      p.textContent = (fields && fields[p.dataset.errorFor]) || "";
      p.parentElement.classList.toggle("has-error", !!(fields && fields[p.dataset.errorFor]));
    });
  }

  function save() {
    if (!dirty || saving) { return; }
    saving = true;
    dirty = false;
    pendingRequestId = pendingRequestId || newRequestId();
    var data = new FormData(form);
    data.set("request_id", pendingRequestId);
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": data.get("csrf_token") || "" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      saving = false;
      if (result.status >= 500) {
        // Nothing was stored (the database may be unavailable): try the same request again.
        dirty = true;
        unsaved = true;
        show("failed", result.body.error || status.dataset.failedText);
        return;
      }
      pendingRequestId = null;
      if (result.status === 200) {
        unsaved = dirty;  // typed while the save was on its way: still to be saved
        applyVersions(result.body.versions);
        applyVisibility(result.body.visible);
        showFieldErrors(null);
        show("saved", status.dataset.savedText + " " + result.body.saved_at);
      } else if (result.status === 409) {
        // Newer versions of the conflicting answers must not reach the form: the next
        // save would then overwrite them. Only the answers saved now move on. The person's
        // text of the conflicting answers stays in the form, unsaved, until they save it
        // through the conflict page; leaving the page before that asks first.
        unsaved = true;
        var saved = {};
        result.body.saved.forEach(function (id) { saved[id] = result.body.versions[id]; });
        applyVersions(saved);
        show("conflict", status.dataset.conflictText);
      } else {
        unsaved = true;
        showFieldErrors(result.body.fields);
        show("failed", result.body.error || status.dataset.failedText);
      }
    }).catch(function () {
      saving = false;  // keep pendingRequestId: the retry is the same request
      dirty = true;
      unsaved = true;
      show("failed", status.dataset.failedText);
    });
  }

  function changed() {
    dirty = true;
    unsaved = true;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  setInterval(save, DELAY_MS * 2);
  window.addEventListener("beforeunload", function (event) {
    if (dirty || unsaved || saving) { event.preventDefault(); event.returnValue = ""; }
  });
  // The form itself carries the text to the server (and to the conflict page).
  form.addEventListener("submit", function () { dirty = false; unsaved = false; });
})();
