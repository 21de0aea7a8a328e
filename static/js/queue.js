// The review queue refreshes itself: every 30 s it fetches its own URL (filters and page
// included) and swaps #queue-results for the fetched one. Progressive enhancement only:
// without JavaScript the page is complete, a reload shows the news. No inline script,
// so a Content-Security-Policy without 'unsafe-inline' keeps working.
(function () {
  "use strict";
  const REFRESH_MS = 30000;
  const RESULTS_ID = "queue-results";
  const stamp = document.getElementById("queue-updated");
  if (!document.getElementById(RESULTS_ID) || !window.fetch || !window.DOMParser) return;

  // The device's clock, to the second: when this tab last refreshed, not a time of the data.
  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  function showUpdated(text) {
    if (!stamp) return;
    stamp.textContent = text;
    stamp.hidden = false;
  }

  // Never pull the rows from under someone choosing a filter or pressing Claim.
  function isBusy() {
    const active = document.activeElement;
    return document.hidden || (active && active.matches("input, select, textarea, button"));
  }

  let inFlight = false;
  function refresh() {
    if (inFlight || isBusy()) return;
    inFlight = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        // Signed out meanwhile (a redirect to the sign-in page) or an error: say so, keep the rows.
        if (!response.ok || response.redirected) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(RESULTS_ID);
        const current = document.getElementById(RESULTS_ID);
        if (!fresh || !current) throw new Error("no results in the page");
        if (isBusy()) return;  // the user started something while we fetched
        // Its times come from the server, in the reader's zone and the site's format.
        current.replaceWith(document.importNode(fresh, true));
        showUpdated("Updated " + clock.format(new Date()));
      })
      .catch(function () {
        showUpdated("Could not refresh at " + clock.format(new Date()) + "; reload the page.");
      })
      .finally(function () { inFlight = false; });
  }

  showUpdated("Updated " + clock.format(new Date()));
  setInterval(refresh, REFRESH_MS);
  // Back to a tab that sat in the background: catch up at once.
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
