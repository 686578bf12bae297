// Live thread: new messages arrive over Server-Sent Events. The browser reconnects by itself
// and sends Last-Event-ID, so nothing is lost; an id already on the page is never added twice.
// Edits replace the message in place; the stream resumes them from the page's revision (rev=),
// then from the revision in Last-Event-ID, so an edit made while reconnecting still arrives.
// A busy server answers 503: the browser then stops, and the page tries again later. If the server ends the stream for good (a proxy error,
// an expired session), the page opens a new one a little later from the last id it has.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  if (!list || !list.dataset.stream || !window.EventSource) { return; }  // earlier messages: not live

  function place(data) {
    var holder = document.createElement("div");
    holder.innerHTML = data.html;  // rendered and sanitized by the server
    var fresh = holder.firstElementChild;
    if (!fresh) { return; }
    var existing = document.getElementById("message-" + data.id);
    if (existing) {
      if (data.edited) { existing.replaceWith(fresh); }
      return;
    }
    var empty = document.getElementById("no-messages");
    if (empty) { empty.remove(); }
    list.appendChild(fresh);
    list.dataset.lastId = String(data.id);
  }

  function open() {
    var url = list.dataset.stream + "?after=" + encodeURIComponent(list.dataset.lastId || "0") +
      "&rev=" + encodeURIComponent(list.dataset.revision || "0");
    var source = new EventSource(url);
    source.addEventListener("message", function (event) { place(JSON.parse(event.data)); });
    source.addEventListener("edited", function (event) {
      place(JSON.parse(event.data));
      var revision = (event.lastEventId || "").split(":")[1];
      if (revision) { list.dataset.revision = revision; }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) { window.setTimeout(open, 5000); }
    });
  }
  open();

  // "Reply" quotes a message: the form remembers which one, and says so.
  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-reply]");
    var form = document.getElementById("message-form");
    if (!button || !form) { return; }
    form.querySelector("input[name=reply_to]").value = button.dataset.reply;
    var body = form.querySelector("textarea[name=body]");
    body.setAttribute("aria-description", button.textContent + ": " + button.dataset.author);
    body.focus();
  });
}());
