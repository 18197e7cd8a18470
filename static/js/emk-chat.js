/*
 * The live chat widget of the e-marketing platform. On the shop's pages:
 *   <script src="https://<platform>/static/js/emk-chat.js" data-socket="wss://<platform>/ws/chat/" data-lang="fa"
 *     async></script>
 * Optional attributes: data-identity="<signed token>" (the customer's signed link token, as emk.identify takes;
 * without it the visitor is anonymous), data-open="true" (the panel open on load). The page's origin must be in
 * CHAT_ALLOWED_ORIGINS. No other request is made and no cookie is set: the conversation's signed token is kept in
 * the shop's localStorage so that a reload takes the conversation up again. The widget's words come from the
 * platform, in data-lang's language; Persian and Arabic panels are right to left, and every line is shown as text
 * (textContent) with dir="auto". API: window.emkChat.open(), window.emkChat.close().
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var attr = function (name) { return (script && script.getAttribute(name)) || ""; };
  var socketUrl = attr("data-socket");
  var lang = attr("data-lang") || document.documentElement.lang || "en";
  var identity = attr("data-identity");
  var KEY = "emk_chat_token";
  var socket = null;
  var text = {};
  var retry = 1000;
  var ui = null;
  var lastTyping = 0;
  var typingTimer = null;
  var stopped = false;

  function stored(value) {
    try {
      if (value === undefined) { return localStorage.getItem(KEY) || ""; }
      localStorage.setItem(KEY, value);
    } catch (e) { /* storage refused: the conversation lasts as long as the page */ }
    return "";
  }

  function el(tag, styles, content) {
    var node = document.createElement(tag);
    for (var key in styles) { node.style[key] = styles[key]; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function build() {
    var root = el("div", { position: "fixed", bottom: "1rem", insetInlineEnd: "1rem", zIndex: "2147483000",
      fontFamily: "inherit", fontSize: "15px" });
    root.id = "emk-chat";
    var launcher = el("button", { borderRadius: "50%", width: "3.5rem", height: "3.5rem", border: "0",
      background: "#0d6efd", color: "#fff", fontSize: "1.5rem", cursor: "pointer" }, "\uD83D\uDCAC");
    launcher.type = "button";
    launcher.id = "emk-chat-launcher";
    var panel = el("div", { display: "none", flexDirection: "column", width: "20rem", height: "26rem",
      background: "#fff", border: "1px solid #ccc", borderRadius: ".5rem", boxShadow: "0 .5rem 1.5rem rgba(0,0,0,.2)" });
    panel.id = "emk-chat-panel";
    var head = el("div", { display: "flex", justifyContent: "space-between", padding: ".5rem .75rem",
      background: "#0d6efd", color: "#fff", borderRadius: ".5rem .5rem 0 0" });
    var title = el("strong", {}, "");
    var close = el("button", { background: "none", border: "0", color: "#fff", cursor: "pointer" }, "\u00D7");
    close.type = "button";
    head.appendChild(title);
    head.appendChild(close);
    var lines = el("ol", { listStyle: "none", margin: "0", padding: ".5rem", overflowY: "auto", flex: "1" });
    lines.id = "emk-chat-lines";
    lines.setAttribute("aria-live", "polite");
    var typing = el("div", { display: "none", padding: "0 .75rem", fontSize: ".85em", color: "#666" });
    typing.id = "emk-chat-typing";
    var emailForm = el("form", { display: "none", padding: ".25rem .5rem", gap: ".25rem" });
    var email = el("input", { flex: "1", minWidth: "0" });
    email.type = "email";
    email.id = "emk-chat-email";
    email.setAttribute("dir", "ltr");
    var emailSend = el("button", {}, "OK");
    emailSend.type = "submit";
    emailForm.appendChild(email);
    emailForm.appendChild(emailSend);
    var form = el("form", { display: "flex", gap: ".25rem", padding: ".5rem", borderTop: "1px solid #eee" });
    var input = el("textarea", { flex: "1", resize: "none", minWidth: "0" });
    input.id = "emk-chat-input";
    input.rows = 2;
    input.maxLength = 2000;
    input.setAttribute("dir", "auto");
    var sendButton = el("button", {}, "");
    sendButton.type = "submit";
    sendButton.id = "emk-chat-send";
    form.appendChild(input);
    form.appendChild(sendButton);
    [head, lines, typing, emailForm, form].forEach(function (n) { panel.appendChild(n); });
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);
    ui = { root: root, launcher: launcher, panel: panel, title: title, close: close, lines: lines, typing: typing,
      emailForm: emailForm, email: email, form: form, input: input, send: sendButton };

    launcher.addEventListener("click", open);
    close.addEventListener("click", hide);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) { return; }
      send({ type: "message", body: body });
      input.value = "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; send({ type: "typing" }); }
    });
    emailForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (email.value.trim()) { send({ type: "email", email: email.value.trim() }); }
    });
  }

  function line(kind, body, who) {
    var mine = kind === "customer";
    var item = el("li", { margin: ".25rem 0", padding: ".35rem .6rem", borderRadius: ".5rem", whiteSpace: "pre-wrap",
      background: mine ? "#e7f1ff" : kind === "staff" ? "#f1f3f5" : "transparent",
      fontStyle: kind === "notice" ? "italic" : "normal", marginInlineStart: mine ? "2rem" : "0" });
    item.className = "emk-chat-line emk-chat-" + kind;
    if (who) { item.appendChild(el("span", { display: "block", fontSize: ".75em", color: "#666" }, who)); }
    var text = el("span", {}, body);
    text.setAttribute("dir", "auto");
    item.appendChild(text);
    ui.lines.appendChild(item);
    ui.lines.scrollTop = ui.lines.scrollHeight;
  }

  function message(data) {
    if (ui.lines.querySelector('[data-message="' + data.id + '"]')) { return; }
    line(data.author, data.body, data.author === "staff" ? data.name : data.author === "customer" ? text.you : "");
    ui.lines.lastChild.setAttribute("data-message", data.id);
    if (data.author === "staff") { ui.typing.style.display = "none"; }
  }

  function receive(event) {
    var data = JSON.parse(event.data);
    if (data.type === "welcome") {
      text = data.text || {};
      stored(data.token);
      ui.panel.setAttribute("dir", data.dir);
      ui.panel.setAttribute("lang", data.lang);
      ui.title.textContent = text.title;
      ui.close.setAttribute("aria-label", text.close);
      ui.send.textContent = text.send;
      ui.input.placeholder = text.placeholder;
      ui.typing.textContent = text.typing;
      ui.email.placeholder = text.email;
      ui.lines.textContent = "";
      line("notice", data.open ? text.greeting : text.offline);
      data.messages.forEach(message);
      ui.emailForm.style.display = data.known || data.open ? "none" : "flex";
    } else if (data.type === "token") {
      stored(data.token);
    } else if (data.type === "message") {
      message(data);
    } else if (data.type === "typing") {
      ui.typing.style.display = "block";
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { ui.typing.style.display = "none"; }, 4000);
    } else if (data.type === "notice") {
      line("notice", data.body);
      ui.emailForm.style.display = "flex";
    } else if (data.type === "email_saved") {
      line("notice", data.body);
      ui.emailForm.style.display = "none";
    } else if (data.type === "error") {
      line("notice", data.message);
    }
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); }
  }

  function connect() {
    if (!socketUrl || socket) { return; }
    socket = new WebSocket(socketUrl);
    socket.addEventListener("open", function () {
      retry = 1000;
      send({ type: "hello", token: stored(), identity: identity || undefined, lang: lang });
    });
    socket.addEventListener("message", receive);
    socket.addEventListener("close", function (event) {
      socket = null;
      if (stopped || event.code >= 4000) { return; }
      if (text.reconnecting) { line("notice", text.reconnecting); }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  function open() {
    if (!ui) { build(); }
    ui.panel.style.display = "flex";
    ui.launcher.style.display = "none";
    stopped = false;
    connect();
    ui.input.focus();
  }

  function hide() {
    ui.panel.style.display = "none";
    ui.launcher.style.display = "inline-block";
  }

  function start() {
    build();
    if (attr("data-open") === "true") { open(); }
  }

  window.emkChat = { open: function () { if (ui) { open(); } }, close: function () { if (ui) { hide(); } } };
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
}());
