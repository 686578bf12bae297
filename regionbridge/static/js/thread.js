// Live thread: new messages arrive over Server-Sent Events. The browser reconnects by itself
// and sends Last-Event-ID, so nothing is lost; an id already on the page is never added twice.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  if (!list || !window.EventSource) { return; }
  var url = list.dataset.stream + "?after=" + encodeURIComponent(list.dataset.lastId || "0");
  var source = new EventSource(url);
  source.addEventListener("message", function (event) {
    var data = JSON.parse(event.data);
    if (document.getElementById("message-" + data.id)) { return; }
    var empty = document.getElementById("no-messages");
    if (empty) { empty.remove(); }
    var holder = document.createElement("div");
    holder.innerHTML = data.html;  // rendered and sanitized by the server
    while (holder.firstElementChild) { list.appendChild(holder.firstElementChild); }
    list.dataset.lastId = String(data.id);
  });
}());
