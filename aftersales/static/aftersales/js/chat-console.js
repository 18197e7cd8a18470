/*
 * The live chat console in the admin: the staff's WebSocket (aftersales.chat.consumers.StaffConsumer).
 * Everything the customer wrote is shown with textContent, each line with dir="auto" (Persian and Arabic read
 * right to left). The page's settings come from the JSON script #chat-console-config (no inline script).
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("chat-console-config").textContent);
  var text = config.text;
  var rows = {};
  var current = null;
  var socket = null;
  var retry = 1000;
  var typingTimer = null;
  var lastTyping = 0;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); }
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleTimeString(document.documentElement.lang || undefined) : "";
  }

  function renderQueue() {
    var list = $("chat-queue-list");
    list.textContent = "";
    var ids = Object.keys(rows).map(Number).filter(function (id) {
      return rows[id].state === "waiting" || rows[id].state === "active" || id === current;
    });
    ids.sort(function (a, b) {
      var wa = rows[a].waiting_since || "~", wb = rows[b].waiting_since || "~";
      return wa < wb ? -1 : wa > wb ? 1 : b - a;
    });
    if (!ids.length) { list.appendChild(el("li", "help", text.empty)); }
    ids.forEach(function (id) {
      var row = rows[id];
      var item = el("li", "chat-row" + (row.waiting_since ? " chat-waiting" : "") + (id === current ? " chat-current" : ""));
      item.setAttribute("data-conversation", id);
      var who = el("strong", "", row.who);
      who.setAttribute("dir", "auto");
      item.appendChild(who);
      var subject = el("div", "chat-row-subject", row.subject);
      subject.setAttribute("dir", "auto");
      item.appendChild(subject);
      var state = row.state_label + (row.staff === config.me ? " (" + text.mine + ")" : "");
      if (row.waiting_since) { state += " · " + text.waiting + " " + when(row.waiting_since); }
      item.appendChild(el("small", "chat-row-state", state));
      item.addEventListener("click", function () { open(id); });
      list.appendChild(item);
    });
  }

  function addLine(message) {
    var item = el("li", "chat-" + message.author);
    item.setAttribute("data-message", message.id);
    var who = message.author === "staff" ? (message.name || text.staff) : text[message.author] || message.author;
    item.appendChild(el("span", "chat-line-who", who + " · " + when(message.at)));
    var body = el("span", "chat-line-body", message.body);
    body.setAttribute("dir", "auto");
    item.appendChild(body);
    var lines = $("chat-lines");
    if (!lines.querySelector('[data-message="' + message.id + '"]')) {
      lines.appendChild(item);
      lines.scrollTop = lines.scrollHeight;
    }
  }

  function fillCanned(language) {
    var select = $("chat-canned");
    select.length = 1;
    config.canned.filter(function (r) { return r.language === language; }).forEach(function (r) {
      var option = el("option", "", r.title);
      option.value = r.body;
      select.appendChild(option);
    });
  }

  function open(id) {
    current = id;
    $("chat-lines").textContent = "";
    $("chat-typing").hidden = true;
    $("chat-form").hidden = false;
    $("chat-ticket").href = config.ticket.replace("/0/", "/" + rows[id].ticket + "/");
    $("chat-thread-subject").textContent = rows[id].subject;
    $("chat-input").setAttribute("lang", rows[id].language || "");
    fillCanned(rows[id].language);
    send({ type: "open", conversation: id });
    fetch(config.profile.replace("/0/", "/" + id + "/"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (current === id) { $("chat-profile").innerHTML = html; } });  // our own escaped template
    renderQueue();
  }

  function receive(event) {
    var data = JSON.parse(event.data);
    if (data.type === "queue") {
      rows = {};
      data.conversations.forEach(function (row) { rows[row.id] = row; });
      renderQueue();
    } else if (data.type === "conversation") {
      rows[data.id] = data;
      renderQueue();
    } else if (data.type === "transcript" && data.conversation === current) {
      rows[current] = data.row;
      data.messages.forEach(addLine);
      renderQueue();
    } else if (data.type === "message" && data.conversation === current) {
      addLine(data);
      if (data.author === "customer") { $("chat-typing").hidden = true; }
    } else if (data.type === "typing" && data.conversation === current) {
      var typing = $("chat-typing");
      typing.textContent = text.typing;
      typing.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing.hidden = true; }, 4000);
    } else if (data.type === "error") {
      $("chat-status").textContent = data.message;
    }
  }

  function connect() {
    socket = new WebSocket(config.socket);
    socket.addEventListener("open", function () {
      retry = 1000;
      $("chat-status").textContent = text.connected;
      if (current !== null) { send({ type: "open", conversation: current }); }
    });
    socket.addEventListener("message", receive);
    socket.addEventListener("close", function (event) {
      $("chat-status").textContent = text.disconnected;
      if (event.code >= 4000) { return; }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("chat-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("chat-input");
      var body = input.value.trim();
      if (!body || current === null) { return; }
      send({ type: "message", conversation: current, body: body });
      input.value = "";
    });
    $("chat-input").addEventListener("input", function () {
      var now = Date.now();
      if (current !== null && now - lastTyping > 2000) {
        lastTyping = now;
        send({ type: "typing", conversation: current });
      }
    });
    $("chat-canned").addEventListener("change", function (event) {
      if (event.target.value) { $("chat-input").value = event.target.value; $("chat-input").focus(); }
      event.target.selectedIndex = 0;
    });
    $("chat-take").addEventListener("click", function () { if (current !== null) { send({ type: "take", conversation: current }); } });
    $("chat-end").addEventListener("click", function () { if (current !== null) { send({ type: "end", conversation: current }); } });
    connect();
  });
}());
