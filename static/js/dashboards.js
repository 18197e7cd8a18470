/* Draw the dashboard's charts from the data the page embeds (json_script "dashboard-charts"). */
(function () {
  "use strict";
  var holder = document.getElementById("dashboard-charts");
  if (!holder || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(holder.textContent);
  var lang = document.documentElement.lang || "en";
  var rtl = document.documentElement.dir === "rtl";
  var numbers = new Intl.NumberFormat(lang);
  var days = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric" });
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];

  function label(value, isDate) {
    if (!isDate) { return value; }
    var parts = value.split("-");
    return days.format(new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2], 12)));
  }

  window.dashboardCharts = {};
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (!spec) { return; }
    var round = spec.type === "doughnut" || spec.type === "radar";
    var datasets = spec.datasets.map(function (set, i) {
      var colour = palette[i % palette.length];
      return {
        label: set.label,
        data: set.data,
        backgroundColor: round && spec.type === "doughnut" ? palette : colour + (spec.type === "line" ? "33" : "cc"),
        borderColor: spec.type === "doughnut" ? "#fff" : colour,
        spanGaps: true,
        fill: spec.type === "radar"
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      locale: lang,
      plugins: { legend: { rtl: rtl, display: datasets.length > 1 || spec.type === "doughnut" },
                 title: { display: datasets.length === 1, text: datasets.length ? datasets[0].label : "" },
                 tooltip: { rtl: rtl } }
    };
    if (!round) {
      // Room on the left for the slanted last label of a reversed (right-to-left) axis, which Chart.js would clip.
      options.layout = { padding: { left: rtl ? 72 : 8, right: 8 } };
      options.scales = {
        x: { reverse: rtl, stacked: spec.stacked },
        y: { beginAtZero: true, stacked: spec.stacked, position: rtl ? "right" : "left",
             max: spec.percent ? 100 : undefined,
             ticks: { callback: function (v) { return numbers.format(v); } } }
      };
    } else if (spec.type === "radar") {
      options.scales = { r: { min: 0, max: 100 } };
    }
    window.dashboardCharts[canvas.dataset.chart] = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels.map(function (l) { return label(l, spec.dates); }), datasets: datasets },
      options: options
    });
  });
})();
