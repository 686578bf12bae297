// The error summary (templates/forms/_error_summary.html): focused when the page loads, so a
// screen reader reads it first; its links move the focus to the field and show its label.
(function () {
  "use strict";
  if (window.regionbridgeForms) return; // loaded again by an htmx swap
  window.regionbridgeForms = true;

  function focusSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary && !summary.contains(document.activeElement)) summary.focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    var holder = target.closest("fieldset, .field") || target;
    holder.scrollIntoView();
    target.focus({ preventScroll: true });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
