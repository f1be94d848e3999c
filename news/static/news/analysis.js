// Draws the accident-analysis charts from the figures the server aggregated (#case-stats).
// Without JavaScript (or without canvas) the data tables under each chart carry the same figures.
(function () {
  "use strict";
  var source = document.getElementById("case-stats");
  if (!source || typeof Chart === "undefined") { return; }
  var stats = JSON.parse(source.textContent);
  var palette = ["#b3261e", "#d9730d", "#c9a227", "#1b7f3b", "#1565c0", "#6a1b9a", "#00838f", "#5d4037"];
  var roleColours = {
    not_worn: "#b3261e", worn_wrongly: "#d9730d", wrong_type: "#c9a227", failed: "#6a1b9a",
    expired: "#5d4037", counterfeit: "#ad1457", protected: "#1b7f3b"
  };
  Chart.defaults.font.size = 13;
  Chart.defaults.maintainAspectRatio = false;

  function bar(key, horizontal) {
    var rows = stats[key];
    var canvas = document.getElementById("chart-" + key);
    if (!canvas || !rows || !rows.length) { return; }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [{
          label: canvas.getAttribute("aria-label"),
          data: rows.map(function (r) { return r.cases; }),
          backgroundColor: key === "year" ? "#1565c0" : rows.map(function (r, i) { return roleColours[r.key] || palette[i % palette.length]; })
        }]
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  function doughnut(key) {
    var rows = stats[key];
    var canvas = document.getElementById("chart-" + key);
    if (!canvas || !rows || !rows.length) { return; }
    new Chart(canvas, {
      type: "doughnut",
      data: {
        labels: rows.map(function (r) { return r.label + " (" + r.cases + ")"; }),
        datasets: [{
          data: rows.map(function (r) { return r.cases; }),
          backgroundColor: rows.map(function (r, i) { return roleColours[r.key] || palette[i % palette.length]; })
        }]
      },
      options: { plugins: { legend: { position: "bottom" } } }
    });
  }

  doughnut("ppe_role");
  bar("accident_type", true);
  bar("industry", true);
  bar("year", false);
}());
