// Checklists: ticks are kept in this browser only, per page, until reset.
"use strict";

(function () {
  const storageKey = (item) => `anchor-sop:${location.pathname}:${item}`;

  function store(action) {
    // localStorage is missing or refused in some private modes; ticking still works
    try {
      return action(window.localStorage);
    } catch (error) {
      return null;
    }
  }

  function setUp(checklist) {
    const boxes = Array.from(checklist.querySelectorAll("input.anchor-check-input"));
    const progress = checklist.querySelector(".anchor-progress");
    const reset = checklist.querySelector(".anchor-reset");

    function showProgress() {
      const done = boxes.filter((box) => box.checked).length;
      progress.textContent = `${done} of ${boxes.length} done`;
      checklist.classList.toggle("anchor-complete", done === boxes.length);
    }

    for (const box of boxes) {
      box.checked = store((s) => s.getItem(storageKey(box.dataset.item))) === "done";
      box.addEventListener("change", () => {
        store((s) =>
          box.checked
            ? s.setItem(storageKey(box.dataset.item), "done")
            : s.removeItem(storageKey(box.dataset.item)),
        );
        showProgress();
      });
    }
    reset.addEventListener("click", () => {
      for (const box of boxes) {
        box.checked = false;
        store((s) => s.removeItem(storageKey(box.dataset.item)));
      }
      showProgress();
    });
    showProgress();
  }

  document.querySelectorAll(".anchor-checklist").forEach(setUp);
})();

// Traceability tables: a filter box above each (one above a group of tables, which
// it filters as one), and sortable columns.
(function () {
  function sortBy(table, column, header) {
    const body = table.tBodies[0];
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    const rows = Array.from(body.rows);
    const key = (row) => row.cells[column].textContent.trim();
    rows.sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }));
    if (!ascending) rows.reverse();
    for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    for (const row of rows) body.appendChild(row);
  }

  // a filter box before ``place`` over ``rows``; ``after`` runs once they are shown
  function addFilter(place, rows, label, after) {
    const filter = document.createElement("input");
    filter.type = "search";
    filter.className = "anchor-filter";
    filter.placeholder = "Filter rows";
    filter.setAttribute("aria-label", label);
    const count = document.createElement("span");
    count.className = "anchor-filter-count";
    count.setAttribute("role", "status");
    const hint = document.createElement("span");
    hint.className = "anchor-filter-hint";
    hint.textContent = "Select a column heading to sort by it.";
    const bar = document.createElement("div");
    bar.className = "anchor-filter-bar";
    bar.append(filter, count, hint);
    place.parentNode.insertBefore(bar, place);

    const showCount = () => {
      const shown = rows.filter((row) => !row.hidden).length;
      count.textContent = `${shown} of ${rows.length} rows`;
    };
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const row of rows) {
        const text = row.textContent.toLowerCase();
        row.hidden = !words.every((word) => text.includes(word));
      }
      after();
      showCount();
    });
    showCount();
  }

  function setUp(table) {
    if (!table.closest(".anchor-table-group")) {
      const wrapper = table.closest(".table-wrapper") || table;
      const rows = Array.from(table.tBodies[0].rows);
      addFilter(wrapper, rows, "Filter the rows of the table below", () => {});
    }
    Array.from(table.tHead.rows[0].cells).forEach((th, column) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "anchor-sort";
      button.textContent = th.textContent.trim();
      th.replaceChildren(button);
      button.addEventListener("click", () => sortBy(table, column, th));
    });
  }

  document.querySelectorAll("table.anchor-sortable").forEach(setUp);
  for (const group of document.querySelectorAll(".anchor-table-group")) {
    const parts = Array.from(group.querySelectorAll(".anchor-table-group-part"));
    const rows = parts.flatMap((part) => Array.from(part.querySelectorAll("tbody tr")));
    // a part none of whose rows match is hidden, its heading with it
    const hideEmpty = () => {
      for (const part of parts) part.hidden = !part.querySelector("tbody tr:not([hidden])");
    };
    addFilter(parts[0], rows, "Filter the rows of the tables below", hideEmpty);
  }
})();

// On a phone a table's row reads as a card (anchor-sop.css): each cell says its
// column. A table of one header row and no spanning cells qualifies.
(function () {
  for (const table of document.querySelectorAll("article table")) {
    const head = table.tHead;
    if (!head || head.rows.length !== 1 || !table.tBodies.length) continue;
    const cells = Array.from(table.querySelectorAll("td, th"));
    if (cells.some((cell) => cell.colSpan > 1 || cell.rowSpan > 1)) continue;
    const headings = Array.from(head.rows[0].cells, (th) => th.textContent.trim());
    for (const row of table.tBodies[0].rows) {
      Array.from(row.cells).forEach((cell, column) => {
        if (headings[column]) cell.dataset.label = headings[column];
      });
    }
    table.classList.add("anchor-cards");
  }
})();

// A region that scrolls sideways (a wide table or code block) must be reachable
// by keyboard, so it takes focus.
(function () {
  for (const region of document.querySelectorAll(".table-wrapper, pre, .anchor-chart-figure")) {
    if (region.scrollWidth > region.clientWidth) region.tabIndex = 0;
  }
})();

// Printed pages say where they came from.
(function () {
  const article = document.querySelector("article");
  if (!article) return;
  const source = document.createElement("p");
  source.className = "anchor-print-url";
  source.textContent = `Printed from ${location.href.split("#")[0]}`;
  article.append(source);
})();
