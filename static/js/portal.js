// Progressive enhancement only: every page works without it.
// 1. <time data-local> shows the instant in the reader's own time zone as well.
// 2. [data-countdown] counts down to its datetime and reloads the page when it is reached.
(function () {
  "use strict";
  const fmt = new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    const when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) { el.title = el.textContent.trim(); el.textContent = fmt.format(when); }
  });

  function pad(n) { return String(n).padStart(2, "0"); }
  function render(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return (d ? d + "d " : "") + pad(h) + "h " + pad(m) + "m " + pad(s % 60) + "s";
  }
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
