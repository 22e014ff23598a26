// Progressive enhancement for tables of claims: sortable columns and filters.
// Without JavaScript every row is shown in reading order; nothing here is needed to read.
// A long list is split into pages (claims/page/2/): the filters and sort work within a page.
// The filters and the sort order of the page's main table live in its address (?verdict=
// inaccurate&sort=verdict), so a filtered list can be bookmarked, shared and linked to.
"use strict";

(function () {
  function setParam(name, value) {
    var url = new URL(window.location.href);
    if (value) { url.searchParams.set(name, value); } else { url.searchParams.delete(name); }
    window.history.replaceState(null, "", url);
  }

  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-value");
    if (kind === "number") {
      var n = parseFloat(raw !== null ? raw : cell.textContent);
      return isNaN(n) ? -Infinity : n;
    }
    return (raw !== null ? raw : cell.textContent).trim().toLowerCase();
  }

  function columnKey(th) {
    return th.textContent.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "number";
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    var inUrl = !!table.id;  // only the page's main table keeps its order in the address
    var sorters = {};
    Array.prototype.forEach.call(headers, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) { return; }
      var key = columnKey(th);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      function sort(ascending) {
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
      }
      sorters[key] = sort;
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        sort(ascending);
        if (inUrl) {
          setParam("sort", key);
          setParam("order", ascending ? "" : "desc");
        }
      });
    });
    if (inUrl) {
      var params = new URLSearchParams(window.location.search);
      var wanted = sorters[params.get("sort")];
      if (wanted) { wanted(params.get("order") !== "desc"); }
    }
  }

  function makeFilterable(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table) { return; }
    var fields = Array.prototype.slice.call(form.querySelectorAll("[data-filter]"));
    var text = form.querySelector("[data-filter=text]");
    var verdict = form.querySelector("[data-filter=verdict]");
    var entity = form.querySelector("[data-filter=entity]");
    var status = form.querySelector(".filter-status");
    function apply() {
      var words = text.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var ok = (!words || row.textContent.toLowerCase().indexOf(words) !== -1) &&
          (!verdict || !verdict.value || row.getAttribute("data-verdict") === verdict.value) &&
          (!entity.value || (" " + row.getAttribute("data-entities") + " ").indexOf(" " + entity.value + " ") !== -1);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      status.textContent = shown + " of " + table.tBodies[0].rows.length + " claims shown";
    }
    var params = new URLSearchParams(window.location.search);
    fields.forEach(function (el) {
      var name = el.getAttribute("data-filter");
      var wanted = params.get(name);
      if (wanted && (el.tagName !== "SELECT" || el.querySelector("option[value='" + CSS.escape(wanted) + "']"))) {
        el.value = wanted;
      }
      function changed() {
        setParam(name, el.value.trim());
        apply();
      }
      el.addEventListener("input", changed);
      el.addEventListener("change", changed);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.claims"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("form.table-filter"), makeFilterable);
  });
}());
