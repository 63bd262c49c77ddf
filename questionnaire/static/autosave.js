// The commitment page's helpers. The page works without this file: the Save button posts
// the form and the server shows the follow-up questions whose condition holds. With it:
// - follow-up questions appear as soon as their condition holds, from the conditions the
//   server sent (conditions.js walks them with the server's rules);
// - changes are saved a few seconds after typing stops; a value the server refuses stays
//   in its field, marked, with the reason, while the others are saved;
// - text not yet saved is kept in this browser (localStorage) and offered back after a
//   reload or a crash, until a save stores it;
// - leaving the page sends what is still unsaved (a keepalive request that outlives the
//   page) instead of asking; it asks only when text was refused or could not be saved.
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form) { return; }
  var conditions = readConditions();
  var conditionRules = window.QuestionnaireConditions;

  focusErrorSummary();
  refreshVisibility(null);
  form.addEventListener("change", function () { refreshVisibility(null); });
  form.addEventListener("input", function () { refreshVisibility(null); });

  if (!form.dataset.autosaveUrl) { return; }
  var status = document.getElementById("save-status");
  var draftKey = form.dataset.draftKey;
  // dirty: changed since the last save was sent. problem: the form holds text the server
  // refused, met a conflict for, or could not be reached for; it stays until a save
  // stores it, and leaving the page asks first.
  // A page shown with refused answers holds text the server has not stored.
  var problem = Boolean(document.getElementById("error-summary"));
  var dirty = false, saving = false, leaving = false, pendingRequestId = null, timer = null;
  var DELAY_MS = 3000;
  // Browsers cap what keepalive requests may carry (64 KiB in all); past that, leaving asks.
  var KEEPALIVE_LIMIT = 60000;

  offerDraft();

  // The bank's conditions of this commitment's questions, as the server parsed them.
  function readConditions() {
    try { return JSON.parse(form.dataset.conditions || "{}"); } catch (error) { return {}; }
  }

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  // The answers as the server would store them, for the conditions: a choice as its
  // value, several choices as a list (none chosen: no answer), blank text as no answer.
  function readAnswers() {
    var answers = {};
    form.querySelectorAll("[data-question]").forEach(function (block) {
      var id = block.dataset.question, kind = block.dataset.kind;
      if (kind === "single_choice") {
        var chosen = block.querySelector('input[type="radio"]:checked');
        answers[id] = chosen ? chosen.value : null;
      } else if (kind === "multiple_choice") {
        var values = [];
        block.querySelectorAll('input[type="checkbox"]:checked').forEach(function (box) {
          if (values.indexOf(box.value) === -1) { values.push(box.value); }
        });
        answers[id] = values.length ? values : null;
      } else {
        var field = block.querySelector("textarea, input:not([type=hidden])");
        var text = field ? field.value : "";
        if (!text.trim()) { answers[id] = null; }
        else if (kind === "number") { answers[id] = plainNumber(text); }
        else if (kind === "text") { answers[id] = text.replace(/\r\n/g, "\n"); }
        else { answers[id] = text.trim(); }
      }
    });
    return answers;
  }

  // A number in a plain form; any other form is read by the server alone (see UNKNOWN).
  function plainNumber(text) {
    var plain = text.normalize("NFKC").replace(/[\s,']/g, "");
    return /^[+-]?(\d+(\.\d+)?|\.\d+)$/.test(plain) ? Number(plain) : conditionRules.UNKNOWN;
  }

  // serverVisible: the ids the server found visible, used only for a condition the page
  // cannot decide (null: keep the page's current state for those).
  function refreshVisibility(serverVisible) {
    if (!conditionRules) {
      if (serverVisible) { showOnly(serverVisible); }
      return;
    }
    var answers = readAnswers();
    form.querySelectorAll("[data-question]").forEach(function (block) {
      var tree = conditions[block.dataset.question];
      if (!tree) { return; }
      var shown = conditionRules.holds(tree, answers);
      if (shown === null && serverVisible) {
        shown = serverVisible.indexOf(block.dataset.question) !== -1;
      }
      if (shown !== null) { block.hidden = !shown; }
    });
  }

  function showOnly(visible) {
    form.querySelectorAll("[data-question]").forEach(function (block) {
      block.hidden = visible.indexOf(block.dataset.question) === -1;
    });
  }

  function newRequestId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  function show(kind, text) {
    status.className = kind;
    status.textContent = text;
  }

  function applyVersions(versions) {
    Object.keys(versions).forEach(function (id) {
      var input = form.querySelector('input[name="version__' + id + '"]');
      if (input) { input.value = versions[id]; }
    });
  }

  // Each message sits under its field and is tied to it (aria-describedby on the field,
  // or on the fieldset of a choice question), the inputs marked aria-invalid; a field the
  // server accepted loses its mark.
  function showFieldErrors(fields) {
    form.querySelectorAll("[data-error-for]").forEach(function (message) {
      var id = message.dataset.errorFor;
      var text = (fields && fields[id]) || "";
      message.textContent = text;
      var block = message.parentElement;
      block.classList.toggle("has-error", !!text);
      var described = block.querySelector("fieldset, textarea, input:not([type=hidden])");
      if (described) {
        var parts = (described.getAttribute("aria-describedby") || "").split(" ").filter(function (part) {
          return part && part !== message.id;
        });
        if (text) { parts.push(message.id); }
        described.setAttribute("aria-describedby", parts.join(" "));
      }
      block.querySelectorAll("textarea, input:not([type=hidden])").forEach(function (field) {
        if (text) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
      });
    });
  }

  // Drafts: what the form holds, by field name, while the server has not stored it.
  function formValues() {
    var values = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || name === "request_id" || name.indexOf("version__") === 0) { return; }
      if (name in values) { values[name] = [].concat(values[name], value); } else { values[name] = value; }
    });
    // An unticked set of boxes or radios is part of the draft too: it clears them.
    form.querySelectorAll('input[type="checkbox"], input[type="radio"]').forEach(function (box) {
      if (!(box.name in values)) { values[box.name] = []; }
    });
    return values;
  }

  // The versions the text was typed on go with it: restored, they make a save over a
  // newer answer of someone else a conflict to merge, not an overwrite.
  function formVersions() {
    var versions = {};
    form.querySelectorAll('input[name^="version__"]').forEach(function (input) {
      versions[input.name] = input.value;
    });
    return versions;
  }

  function keepDraft() {
    if (!draftKey) { return; }
    try {
      var draft = { at: new Date().toISOString(), values: formValues(), versions: formVersions() };
      window.localStorage.setItem(draftKey, JSON.stringify(draft));
    } catch (error) { /* storage full or refused: the save still carries the text */ }
  }

  function dropDraft() {
    if (!draftKey) { return; }
    try { window.localStorage.removeItem(draftKey); } catch (error) { /* nothing kept */ }
  }

  function readDraft() {
    try {
      var draft = JSON.parse(window.localStorage.getItem(draftKey) || "null");
      return draft && draft.values ? draft : null;
    } catch (error) { return null; }
  }

  function sameValue(left, right) {
    return JSON.stringify([].concat(left).sort()) === JSON.stringify([].concat(right).sort());
  }

  function differsFromForm(draft) {
    var current = formValues();
    return Object.keys(draft.values).some(function (name) {
      return !sameValue(draft.values[name], name in current ? current[name] : []);
    });
  }

  function offerDraft() {
    var draft = draftKey && readDraft();
    if (!draft) { return; }
    if (!differsFromForm(draft)) {
      // The page shows the draft's text already: stored, or kept as typed beside an error.
      if (!document.getElementById("error-summary")) { dropDraft(); }
      return;
    }
    var offer = document.getElementById("draft-offer");
    if (!offer) { return; }
    var time = new Date(draft.at);
    offer.querySelector("p").textContent = offer.querySelector("p").dataset.textTemplate
      .replace("{time}", isNaN(time) ? draft.at : time.toLocaleString());
    offer.hidden = false;
    document.getElementById("draft-restore").addEventListener("click", function () {
      restoreDraft(draft.values, draft.versions || {});
      offer.hidden = true;
      changed();
    });
    document.getElementById("draft-discard").addEventListener("click", function () {
      dropDraft();
      offer.hidden = true;
    });
  }

  function restoreDraft(values, versions) {
    Object.keys(versions).forEach(function (name) {
      var input = form.querySelector('input[name="' + name.replace(/"/g, "") + '"]');
      if (input) { input.value = versions[name]; }
    });
    Object.keys(values).forEach(function (name) {
      var wanted = [].concat(values[name]);
      form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]').forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = wanted.indexOf(field.value) !== -1;
        } else if (field.type !== "hidden") {
          field.value = wanted.length ? wanted[0] : "";
        }
      });
    });
    refreshVisibility(null);
  }

  function requestBody() {
    pendingRequestId = pendingRequestId || newRequestId();
    var data = new FormData(form);
    data.set("request_id", pendingRequestId);
    return data;
  }

  function bodySize(data) {
    var size = 0;
    data.forEach(function (value, name) { size += name.length + 3 * String(value).length + 64; });
    return size;
  }

  function save(leaving) {
    // A save still on its way moved the versions on: the next one waits for its answer.
    if (!dirty || saving) { return false; }
    var data = requestBody();
    var keepalive = bodySize(data) < KEEPALIVE_LIMIT;
    if (leaving && !keepalive) { return false; }
    saving = true;
    dirty = false;
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: data, credentials: "same-origin", keepalive: keepalive,
      headers: { "X-CSRFToken": data.get("csrf_token") || "" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(received).catch(function () {
      saving = false;  // keep pendingRequestId: the retry is the same request
      dirty = true;
      problem = true;
      show("failed", status.dataset.failedText);
    });
    return true;
  }

  function received(result) {
    saving = false;
    if (result.status >= 500) {
      // Nothing was stored (the database may be unavailable): try the same request again.
      dirty = true;
      problem = true;
      show("failed", result.body.error || status.dataset.failedText);
      return;
    }
    pendingRequestId = null;
    if (!result.body.versions) {
      // Refused whole (a malformed form, or no longer allowed): the text stays, marked.
      problem = true;
      keepDraft();
      showFieldErrors(result.body.fields);
      show("failed", result.body.error || status.dataset.failedText);
      return;
    }
    if (result.status === 409) {
      // Newer versions of the conflicting answers must not reach the form: the next save
      // would then overwrite them. Only the answers saved now move on. The person's text
      // of the conflicting answers stays in the form, unsaved, until they save it through
      // the conflict page; leaving the page before that asks first.
      problem = true;
      var saved = {};
      result.body.saved.forEach(function (id) { saved[id] = result.body.versions[id]; });
      applyVersions(saved);
      show("conflict", status.dataset.conflictText);
      return;
    }
    applyVersions(result.body.versions);
    refreshVisibility(result.body.visible);
    showFieldErrors(result.body.fields);
    if (result.status === 400) {
      // The other answers are stored; the refused ones stay in their fields, marked.
      problem = true;
      keepDraft();
      show("failed", result.body.error);
      return;
    }
    problem = false;
    // Leaving, the next page may have been read before this save was stored: the draft
    // stays for it, which drops it once it shows the same text.
    if (dirty || leaving) { keepDraft(); } else { dropDraft(); }
    show("saved", status.dataset.savedText + " " + result.body.saved_at);
  }

  function changed() {
    dirty = true;
    keepDraft();
    clearTimeout(timer);
    timer = setTimeout(function () { save(false); }, DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  setInterval(function () { save(false); }, DELAY_MS * 2);

  // Leaving: text typed within the autosave delay is sent now, in a request that outlives
  // the page, so the browser need not ask; the draft stays as a fallback until a later
  // visit finds it stored. Refused, conflicting or unsent text makes the browser ask.
  function flush() {
    leaving = true;
    if (dirty) { clearTimeout(timer); save(true); }
  }
  window.addEventListener("beforeunload", function (event) {
    flush();
    if (problem || dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("pagehide", flush);
  // Back from the browser's page cache, or the person stayed after "Leave site?".
  window.addEventListener("pageshow", function () { leaving = false; });
  window.addEventListener("focus", function () { leaving = false; });
  // The form itself carries the text to the server (and to the conflict page); the draft
  // stays until the page after it shows the text stored.
  form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; problem = false; });
})();
