// KPI pages and alerts: parts marked data-phone-closed (the filter bar) start closed on a
// phone, so the answer comes first; they open with a tap. A static file: the
// Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var phone = window.matchMedia ? window.matchMedia("(max-width: 720px)") : null;

  function fold(root) {
    if (!phone || !phone.matches) { return; }
    (root || document).querySelectorAll("details[data-phone-closed][open]").forEach(function (d) {
      d.removeAttribute("open");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { fold(document); });
  // a filter changed through htmx: the new page folds again, the result is what matters
  document.addEventListener("htmx:afterSettle", function (e) { fold(e.target); });
})();
