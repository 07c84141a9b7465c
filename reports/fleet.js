(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");
  var table = document.getElementById("t-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var team = document.getElementById("t-team"), status = document.getElementById("t-status");
  var count = document.getElementById("t-count");

  function filter() {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!team.value || row.dataset.team === team.value) && (!status.value || row.dataset.status === status.value);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown === rows.length ? String(rows.length) : shown + " of " + rows.length;
  }

  function sortBy(th, index) {
    var numeric = th.dataset.sort === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = a.cells[index].dataset.value, y = b.cells[index].dataset.value;
      var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    if (th.dataset.sort) {
      th.querySelector("button").addEventListener("click", function () { sortBy(th, index); });
    }
  });
  team.addEventListener("change", filter);
  status.addEventListener("change", filter);
}());
