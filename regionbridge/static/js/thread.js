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

  // Whose message it is: the server renders one HTML for every reader; the page marks its own.
  function markOwn(article) {
    if (!list.dataset.me || article.dataset.author !== list.dataset.me) { return; }
    article.classList.add("message-own");
    var label = article.querySelector(".you-label");
    if (label) { label.hidden = false; }
  }

  function place(data) {
    var holder = document.createElement("div");
    holder.innerHTML = data.html;  // rendered and sanitized by the server
    var fresh = holder.firstElementChild;
    if (!fresh) { return; }
    markOwn(fresh);
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

  // "Reply" quotes a message: the form remembers which one and says so, with a way back out.
  // (Without script the same link opens the page with the reply chosen: ?reply=<id>.)
  function replyTo(id, author, quote) {
    var form = document.getElementById("message-form");
    if (!form) { return; }
    form.querySelector("input[name=reply_to]").value = id || "";
    var banner = document.getElementById("replying");
    if (banner) {
      banner.hidden = !id;
      document.getElementById("replying-to").textContent = author || "";
      document.getElementById("replying-quote").textContent = quote ? " — " + quote : "";
    }
    var body = form.querySelector("textarea[name=body]");
    if (id) { body.setAttribute("aria-describedby", "replying"); }
    else { body.removeAttribute("aria-describedby"); }
    body.focus();
  }

  document.addEventListener("click", function (event) {
    var reply = event.target.closest("a[data-reply]");
    if (reply && list.contains(reply)) {
      event.preventDefault();
      var text = reply.closest("article").querySelector(".body");
      var quote = text ? text.textContent.replace(/\s+/g, " ").trim() : "";
      replyTo(reply.dataset.reply, reply.dataset.author,
        quote.length > 80 ? quote.slice(0, 79) + "…" : quote);
      return;
    }
    if (event.target.closest("#reply-cancel")) {
      event.preventDefault();
      replyTo("", "", "");
    }
  });

  // After sending (htmx puts a fresh form in place), the cursor stays in the message box.
  document.addEventListener("htmx:load", function (event) {
    var fresh = event.detail && event.detail.elt;
    if (fresh && fresh.id === "message-form") {
      var body = fresh.querySelector("textarea[name=body]");
      if (body) { body.focus(); }
    }
  });
}());
