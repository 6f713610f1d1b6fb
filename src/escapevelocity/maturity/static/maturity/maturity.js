/* Draws the maturity history chart from the figure the page carries as JSON. */
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("maturity-chart-data");
    var target = document.getElementById("maturity-chart");
    if (!data || !target || typeof Plotly === "undefined") return;
    var fig = JSON.parse(data.textContent);
    Plotly.newPlot(target, fig.data, fig.layout, { displaylogo: false, responsive: true });
    target.setAttribute("data-drawn", "true");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
