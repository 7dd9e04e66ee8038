// Next/previous navigation between the highlighted matches of an article.
(function () {
  "use strict";
  const marks = Array.from(document.querySelectorAll(".body mark"));
  const position = document.querySelector(".marks .position");
  let current = -1;
  function go(step) {
    if (!marks.length) return;
    if (current >= 0) marks[current].classList.remove("current");
    current = (current + step + marks.length) % marks.length;
    const mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
    // Said to screen readers (a live region) and shown: where the reader is among the matches.
    if (position) position.textContent = "match " + (current + 1) + " of " + marks.length;
  }
  document.querySelectorAll(".marks button[data-step]").forEach(function (button) {
    button.addEventListener("click", function () { go(Number(button.dataset.step)); });
  });
})();
