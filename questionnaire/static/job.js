// Follows a background job: fetches its page every two seconds and swaps in the status
// section, until the job is done or failed. Without JavaScript a Refresh link (noscript) does it;
// the page never reloads itself (a meta refresh takes the reader away from where they were).
(function () {
  "use strict";
  var section = document.getElementById("job-status");
  if (!section || !section.dataset.poll) { return; }
  var url = section.dataset.poll;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { window.setTimeout(poll, 5000); return; }
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("job-status");
        if (!fresh) { return; }
        section.innerHTML = fresh.innerHTML;
        if (fresh.dataset.poll) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
