// Progressive enhancement for tables of claims: sortable columns and filters.
// Without JavaScript every row is shown in reading order; nothing here is needed to read.
"use strict";

(function () {
  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-value");
    if (kind === "number") {
      var n = parseFloat(raw !== null ? raw : cell.textContent);
      return isNaN(n) ? -Infinity : n;
    }
    return (raw !== null ? raw : cell.textContent).trim().toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function makeFilterable(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table) { return; }
    var text = form.querySelector("[data-filter=text]");
    var verdict = form.querySelector("[data-filter=verdict]");
    var entity = form.querySelector("[data-filter=entity]");
    var status = form.querySelector(".filter-status");
    function apply() {
      var words = text.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var ok = (!words || row.textContent.toLowerCase().indexOf(words) !== -1) &&
          (!verdict.value || row.getAttribute("data-verdict") === verdict.value) &&
          (!entity.value || (" " + row.getAttribute("data-entities") + " ").indexOf(" " + entity.value + " ") !== -1);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      status.textContent = shown + " of " + table.tBodies[0].rows.length + " claims shown";
    }
    [text, verdict, entity].forEach(function (el) {
      el.addEventListener("input", apply);
      el.addEventListener("change", apply);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.claims"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("form.table-filter"), makeFilterable);
  });
}());
