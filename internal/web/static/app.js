// Pulso's only script (besides htmx and ECharts): auto-submitting pickers and the KPI charts.
// It is a static file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  // A select marked data-autosubmit submits its form when it changes.
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("select[data-autosubmit]") && t.form) {
      t.form.requestSubmit ? t.form.requestSubmit() : t.form.submit();
    }
  });

  // On the board, choosing a day means "the period of that day".
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.id === "board-date" && t.value) {
      var view = document.getElementById("board-view");
      if (view) { view.value = "date"; }
    }
  }, true);

  var charts = [];

  // Numbers in charts are written as on the page: the page's region locale (the pulso-locale
  // meta tag, or the chart's own), the currency's unambiguous symbol, whole counts.
  var symbols = { USD: "US$", BRL: "R$", MXN: "MX$", COP: "COL$", CLP: "CLP$", ARS: "AR$", PEN: "S/", CNY: "CN¥", EUR: "€" };
  var formatters = {};
  function nf(locale, opts) {
    var key = locale + JSON.stringify(opts);
    if (!formatters[key]) {
      try { formatters[key] = new Intl.NumberFormat(locale, opts); } catch (err) { formatters[key] = new Intl.NumberFormat("en", opts); }
    }
    return formatters[key];
  }
  function localeOf(spec) {
    var m = document.querySelector('meta[name="pulso-locale"]');
    return (spec && spec.locale) || (m && m.getAttribute("content")) || document.documentElement.lang || "en";
  }
  function fmt(unit, v, spec, axis) {
    if (v === null || v === undefined || typeof v !== "number" || !isFinite(v)) { return "—"; }
    var loc = localeOf(spec);
    var d2 = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
    switch (unit) {
      case "percent":
        return nf(loc, axis ? { maximumFractionDigits: 1 } : d2).format(v * 100) + "%";
      case "count":
        return nf(loc, { maximumFractionDigits: 0 }).format(Math.round(v));
      case "money":
        var cur = (spec && spec.currency) || "USD";
        var sym = cur === "CNY" && loc.indexOf("zh") === 0 ? "¥" : (symbols[cur] || cur);
        var big = Math.abs(v) >= (loc.indexOf("zh") === 0 ? 10000 : 1000);
        return sym + "\u00a0" + nf(loc, big ? { notation: "compact", maximumFractionDigits: 1 } : d2).format(v);
      case "hours":
      case "days":
        return nf(loc, { maximumFractionDigits: 1 }).format(v);
    }
    return nf(loc, axis ? { maximumFractionDigits: 2 } : d2).format(v);
  }

  function option(spec) {
    var unit = spec.unit;
    var series = [];
    var palette = ["#0b6bcb", "#e8710a", "#12b5cb", "#9334e6", "#1e8e3e", "#d01884", "#5f6368", "#f9ab00"];
    if (spec.band) {
      // the yellow margin between the target and its edge, as a stacked area
      series.push({ name: "edge-base", type: "line", stack: "band", silent: true, symbol: "none",
        lineStyle: { opacity: 0 }, data: spec.band.low, tooltip: { show: false } });
      series.push({ name: spec.labels.band, type: "line", stack: "band", silent: true, symbol: "none",
        lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(249,171,0,0.22)" }, data: spec.band.width, tooltip: { show: false } });
      series.push({ name: spec.labels.target, type: "line", symbol: "none", step: "middle",
        lineStyle: { type: "dashed", color: "#1e8e3e", width: 1.5 }, itemStyle: { color: "#1e8e3e" }, data: spec.band.target });
    }
    spec.series.forEach(function (s, i) {
      var line = { name: s.name, type: "line", data: s.values, connectNulls: false, showSymbol: s.values.length <= 16,
        itemStyle: { color: palette[i % palette.length] }, lineStyle: { width: 2 } };
      if (i === 0) {
        var marks = [];
        if (spec.provisionalFrom !== null && spec.provisionalFrom !== undefined && spec.provisionalFrom < spec.periods.length) {
          marks.push([{ name: spec.labels.provisional, xAxis: spec.periods[spec.provisionalFrom] },
            { xAxis: spec.periods[spec.periods.length - 1] }]);
        }
        if (marks.length) {
          line.markArea = { silent: true, itemStyle: { color: "rgba(95,99,104,0.12)" },
            label: { color: "#5f6368", fontSize: 10 }, data: marks };
        }
        if (spec.markers && spec.markers.length) {
          line.markLine = { symbol: "none", silent: true,
            lineStyle: { type: "dotted", color: "#9334e6", opacity: spec.markerLabels ? 1 : 0.35 },
            label: { show: !!spec.markerLabels, formatter: "{b}", fontSize: 10, color: "#9334e6", position: "insideEndTop" },
            data: spec.markers.map(function (m) { return { name: m.name, xAxis: m.x }; }) };
        }
      }
      series.push(line);
    });
    return {
      animation: false,
      grid: { left: 8, right: 32, top: 36, bottom: 8, containLabel: true },
      legend: { type: "scroll", top: 0, data: spec.series.map(function (s) { return s.name; }).concat(spec.band ? [spec.labels.target] : []) },
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return fmt(unit, v, spec, false); } },
      xAxis: { type: "category", data: spec.periods, boundaryGap: false },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: function (v) { return fmt(unit, v, spec, true); } } },
      series: series
    };
  }

  function initCharts(root) {
    if (!window.echarts) { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-ready")) { return; }
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (err) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      el.setAttribute("data-ready", "1");
      charts.push(chart);
    });
  }

  function prune() {
    charts = charts.filter(function (c) {
      if (!document.body.contains(c.getDom())) { c.dispose(); return false; }
      return true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.addEventListener("htmx:afterSettle", function (e) { prune(); initCharts(e.target); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
