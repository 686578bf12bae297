// The live inbox: when a message arrives in a thread the reader may read, its row moves to the
// top with its new count, and the header's unread badge follows. One stream per page, over
// Server-Sent Events like a thread's; the browser reconnects with Last-Event-ID by itself.
(function () {
  "use strict";
  var list = document.getElementById("inbox-list");
  if (!list || !list.dataset.stream || !window.EventSource) { return; }  // later pages: not live

  function badge(html) {
    var link = document.querySelector('nav a[href="' + list.dataset.inbox + '"]') ||
      document.querySelector("a[aria-current=page][href$='/messages/']");
    if (!link) { return; }
    var old = link.querySelector(".tag.unread");
    if (old) { old.remove(); }
    if (!html) { return; }
    var holder = document.createElement("span");
    holder.innerHTML = " " + html;  // rendered by the server
    while (holder.firstChild) { link.appendChild(holder.firstChild); }
  }

  function update(data) {
    var empty = document.getElementById("no-threads");
    if (empty && data.threads.length) { empty.remove(); }
    for (var i = data.threads.length - 1; i >= 0; i--) {  // newest ends on top
      var row = data.threads[i];
      var holder = document.createElement("ul");
      holder.innerHTML = row.html;  // rendered and escaped by the server
      var fresh = holder.firstElementChild;
      if (!fresh) { continue; }
      var existing = document.getElementById("thread-row-" + row.id);
      if (existing) { existing.remove(); }
      list.insertBefore(fresh, list.firstElementChild);
    }
    badge(data.badge_html);
  }

  function open() {
    var source = new EventSource(list.dataset.stream + "?after=" +
      encodeURIComponent(list.dataset.lastId || "0"));
    source.addEventListener("inbox", function (event) {
      update(JSON.parse(event.data));
      if (event.lastEventId) { list.dataset.lastId = event.lastEventId; }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) { window.setTimeout(open, 5000); }
    });
  }
  open();
}());
