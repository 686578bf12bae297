// The new-thread form's picker of people and offices. Without script it is a list of
// checkboxes and a "Find" button that looks names up on the server. With it: the search runs as
// one types (htmx), a ticked result becomes a chip among the chosen, and a chip's button takes it
// out again; the chosen are always the ticked checkboxes the form sends.
(function () {
  "use strict";
  var form = document.getElementById("thread-form");
  var chosen = document.getElementById("chosen");
  if (!form || !chosen) { return; }
  var none = document.getElementById("chosen-none");
  var search = document.getElementById("recipient-q");
  form.classList.add("picker-live");

  function refresh() {
    if (none) { none.hidden = chosen.children.length > 0; }
    chosen.querySelectorAll(".chip-remove").forEach(function (button) { button.hidden = false; });
  }

  function removeButton(item) {
    var name = item.querySelector(".recipient-name").textContent;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "chip-remove";
    button.setAttribute("aria-label", (form.dataset.remove || "Remove %s").replace("%s", name));
    button.innerHTML = '<svg aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"><path d="M6 6l12 12M18 6L6 18"/></svg>';
    return button;
  }

  function choose(item) {
    var key = item.dataset.key;
    if (chosen.querySelector('[data-key="' + key + '"]')) { item.remove(); refresh(); return; }
    var chip = item.cloneNode(true);
    chip.classList.add("chip");
    chip.querySelector("input").checked = true;
    chip.appendChild(removeButton(chip));
    chosen.appendChild(chip);
    item.remove();
    refresh();
    if (search) { search.focus(); }
  }

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox]")) { return; }
    var item = box.closest("li.recipient");
    if (!item) { return; }
    if (box.checked && !chosen.contains(item)) { choose(item); }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest(".chip-remove");
    if (!button) { return; }
    var chip = button.closest("li");
    var next = chip.nextElementSibling || chip.previousElementSibling;
    chip.remove();
    refresh();
    var target = next && next.querySelector(".chip-remove");
    (target || search || form).focus();
  });

  // Enter in the search box searches here; "Find" needs no trip to the server.
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "find") {
      event.preventDefault();
      if (search && window.htmx) { window.htmx.trigger(search, "search"); }
    }
  });
  refresh();
}());
