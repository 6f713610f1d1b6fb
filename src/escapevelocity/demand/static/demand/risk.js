// Draws every Plotly figure on the page from its JSON (json_script); plotly.js is served locally.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Plotly === "undefined") return;
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) return;
    var fig = JSON.parse(source.textContent);
    Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true});
  });
});
