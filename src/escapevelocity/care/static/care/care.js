// Keyboard shortcuts for the care inbox: j/k move, Enter opens, a assigns to me, r replies,
// e resolves. Keys typed into a field are left alone.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table.inbox tr[data-href]")); }
  function current() { return document.querySelector("table.inbox tr.current"); }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))];
    all.forEach(function (r) { r.classList.remove("current"); });
    next.classList.add("current");
    next.focus();
  }
  function actOnRow(row, action) {
    var form = document.getElementById("bulk");
    if (!row || !form) return;
    form.querySelectorAll("input[name=ids]").forEach(function (box) {
      box.checked = box.value === row.dataset.id;
    });
    form.querySelector("[name=action]").value = action;
    form.submit();
  }
  function click(id) {
    var form = document.getElementById(id);
    if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var inList = rows().length > 0;
    var key = event.key;
    if (inList && (key === "j" || key === "k")) { move(key === "j" ? 1 : -1); event.preventDefault(); return; }
    if (inList && key === "Enter" && current()) { window.location = current().dataset.href; return; }
    if (key === "a") {
      if (inList) actOnRow(current(), "me:"); else click("assign-me");
      event.preventDefault();
    } else if (key === "e") {
      if (inList) actOnRow(current(), "status:resolved"); else click("resolve-form");
      event.preventDefault();
    } else if (key === "r") {
      if (inList && current()) { window.location = current().dataset.href + "#reply"; }
      else { var box = document.getElementById("reply"); if (box) box.focus(); }
      event.preventDefault();
    }
  });
  if (window.location.hash === "#reply") {
    window.addEventListener("DOMContentLoaded", function () {
      var box = document.getElementById("reply"); if (box) box.focus();
    });
  }
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("table.inbox tr[data-href]");
    if (!row) return;
    rows().forEach(function (r) { r.classList.remove("current"); });
    row.classList.add("current");
  });
})();
