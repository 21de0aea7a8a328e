// Progressive enhancement only: every page works without it.
// Times are written by the server, in the reader's time zone and the site's one format
// (portal.times): nothing here rewrites them.
// 1. [data-countdown] counts clock time down to its datetime and reloads the page when it is reached.
// 2. [data-reload-at] reloads the page when its datetime passes (a business-time deadline,
//    which a clock countdown would misstate: the server says how much business time is left).
(function () {
  "use strict";
  // The longest delay setTimeout keeps (about 24.8 days); a later moment is not waited for.
  const MAX_DELAY_MS = 2147483647;

  function render(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return (d ? d + " d " : "") + (d || h ? h + " h " : "") + m + " m " + (s % 60) + " s";
  }
  document.querySelectorAll("[data-reload-at]").forEach(function (el) {
    const left = new Date(el.getAttribute("data-reload-at")).getTime() - Date.now();
    // Only a moment still ahead: a clock running ahead of the server's must not reload in a loop.
    if (left > 0 && left < MAX_DELAY_MS) setTimeout(function () { window.location.reload(); }, left + 1500);
  });
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    const target = new Date(el.getAttribute("data-countdown")).getTime();
    if (isNaN(target)) return;
    // Reload only when the moment passes while the page is open: a clock that runs
    // ahead of the server's must not reload the page over and over.
    const wasFuture = target > Date.now();
    function tick() {
      const left = target - Date.now();
      el.textContent = left > 0 ? render(left) : "any moment now";
      if (left <= 0) { clearInterval(timer); if (wasFuture) setTimeout(function () { window.location.reload(); }, 1500); }
    }
    const timer = setInterval(tick, 1000);
    tick();
  });
})();
