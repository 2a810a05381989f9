// KPI pages and alerts: collapsible parts that start closed on a phone.
(function () {
  "use strict";
})();
