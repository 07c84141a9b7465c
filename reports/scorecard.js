(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  var $ = function (id) { return document.getElementById(id); };
  var list = $("items");
  var items = Array.prototype.slice.call(document.querySelectorAll("details.item"));
  var texts = items.map(function (el) { return el.textContent.toLowerCase(); });
  var controls = {
    verdict: $("f-verdict"), category: $("f-category"), severity: $("f-severity"),
    search: $("f-search"), changed: $("f-changed"), order: $("f-order")
  };

  function apply() {
    var verdict = controls.verdict.value, category = controls.category.value, severity = controls.severity.value;
    var words = controls.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var changedOnly = controls.changed ? controls.changed.checked : false;
    var shown = 0;
    items.forEach(function (el, i) {
      var ok = (!verdict || el.dataset.verdict === verdict) &&
        (!category || el.dataset.category === category) &&
        (!severity || el.dataset.severity === severity) &&
        (!changedOnly || el.dataset.changed === "1") &&
        words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    $("f-count").textContent = shown + " of " + items.length + " items";
    $("f-empty").hidden = shown !== 0;
  }

  function reorder() {
    var key = controls.order.value === "catalog" ? "catalog" : "order";
    var sorted = items.slice().sort(function (a, b) { return a.dataset[key] - b.dataset[key]; });
    var empty = $("f-empty");
    sorted.forEach(function (el) { list.insertBefore(el, empty); });
  }

  ["verdict", "category", "severity", "order"].forEach(function (name) {
    controls[name].addEventListener("change", name === "order" ? reorder : apply);
  });
  controls.search.addEventListener("input", apply);
  if (controls.changed) { controls.changed.addEventListener("change", apply); }
  $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });

  $("f-reset").addEventListener("click", function () {
    controls.verdict.value = controls.category.value = controls.severity.value = controls.search.value = "";
    if (controls.changed) { controls.changed.checked = false; }
    apply();
  });

  var expanded = false;
  $("f-expand").addEventListener("click", function () {
    expanded = !expanded;
    items.forEach(function (el) { if (!el.hidden) { el.open = expanded; } });
    this.textContent = expanded ? "Collapse all" : "Expand all";
  });

  function showChecklist() { $("checklist").scrollIntoView({ block: "start" }); }

  Array.prototype.forEach.call(document.querySelectorAll(".chip[data-verdict]"), function (chip) {
    chip.addEventListener("click", function () {
      controls.verdict.value = chip.dataset.verdict;
      apply();
      showChecklist();
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".bar-link"), function (bar) {
    bar.addEventListener("click", function (ev) {
      ev.preventDefault();
      controls.category.value = bar.getAttribute("data-category");
      apply();
      showChecklist();
    });
  });

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.classList.contains("item")) {
      if (el.hidden) { $("f-reset").click(); }
      el.open = true;
      el.scrollIntoView({ block: "start" });
    } else if (el && el.closest("details.item")) {   // a flow step: open the item and the flow around it
      if (el.closest("details.item").hidden) { $("f-reset").click(); }
      for (var up = el.closest("details"); up; up = up.parentElement && up.parentElement.closest("details")) {
        up.open = true;
      }
      el.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  $("theme").addEventListener("click", function () {
    var dark = root.dataset.theme ? root.dataset.theme === "dark"
      : window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
  });

  // printing shows the evidence of every item the filters leave
  var reopen = [];
  window.addEventListener("beforeprint", function () {
    reopen = items.concat(Array.prototype.slice.call(document.querySelectorAll("details.rest, details.flow")))
      .filter(function (el) { return !el.open; });
    reopen.forEach(function (el) { el.open = true; });
  });
  window.addEventListener("afterprint", function () {
    reopen.forEach(function (el) { el.open = false; });
    reopen = [];
  });

  apply();
})();
