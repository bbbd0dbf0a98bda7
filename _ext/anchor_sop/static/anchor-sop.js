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
