// The main menu on a narrow screen: folded behind the "Menu" button, opened and closed by it.
// Without this script the button stays hidden and the menu simply shows in full; on a wide
// screen the stylesheet hides the button and shows the menu whatever its state.
// Loaded (not deferred) right after the header, so a phone never paints the menu unfolded first.
(function () {
  "use strict";
  var header = document.querySelector("header.top");
  var button = header && header.querySelector(".menu-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) { return; }

  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-closed", !open);
  }

  set(false);
  button.hidden = false;
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape folds an open menu and gives the focus back to its button.
  header.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") { return; }
    if (getComputedStyle(button).display === "none") { return; }  // wide screen: nothing folds
    set(false);
    button.focus();
  });
}());
