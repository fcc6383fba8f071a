/* Newsroom's comment section on another site's page:
 *   <div id="newsroom-comments" data-story-url="https://paper.example/2020/05/10/story"></div>
 *   <script src="https://comments.example/embed.js" async></script>
 * Optional on the div: data-story-title, data-theme="dark|light", data-sso-token (the site's sign-in token;
 * present but empty, as a logged-out reader's page renders it, it signs the reader out).
 *
 * The section is our server's own HTML, shown in a shadow root: the host's styles do not reach in, ours do
 * not leak out. Its links and forms are loaded into the box, never by navigating. No cookie is used: who the
 * reader is travels in the X-Newsroom-Reader header, kept under one key of the host page's localStorage
 * (in memory when storage is blocked). Nothing else of the host page is read or changed. */
(function () {
  "use strict";
  var script = document.currentScript;  // now: it is null once this (async) script has run
  if (!script || !window.fetch || !window.CSSStyleSheet || !document.head.attachShadow) { return; }
  var base = new URL(script.src).origin;
  var KEY = "newsroom-comments:" + base;
  var memory = {};
  var embeds = [];
  var sheet = null;

  function saved() {
    try { return JSON.parse(window.localStorage.getItem(KEY)) || memory; } catch (e) { return memory; }
  }
  function save(changes) {
    var now = saved();
    Object.keys(changes).forEach(function (key) { now[key] = changes[key]; });
    memory = now;
    try { window.localStorage.setItem(KEY, JSON.stringify(now)); } catch (e) { /* blocked: kept in memory */ }
  }

  // Bootstrap and our styles, as one constructed stylesheet shared by every box (no style-src needed).
  function styles() {
    if (!sheet) {
      sheet = fetch(base + "/embed/v1/styles.css", {credentials: "omit"})
        .then(function (reply) { return reply.text(); })
        .then(function (text) { var made = new CSSStyleSheet(); made.replaceSync(text); return made; })
        .catch(function (error) { sheet = null; throw error; });  // asked again next time
    }
    return sheet;
  }

  function Embed(host) {
    var self = this;
    this.host = host;
    this.query = "";
    this.url = host.getAttribute("data-story-url") || window.location.href.split("#")[0];
    this.title = host.getAttribute("data-story-title") || document.title;
    host.style.setProperty("display", "block", "important");  // a host rule cannot fold the box away
    this.root = host.attachShadow({mode: "open"});
    var outer = document.createElement("div");
    outer.setAttribute("data-bs-theme", "light");  // Bootstrap's variables; the inner box picks the colours
    this.box = document.createElement("div");
    this.box.className = "nr-embed-root";
    outer.appendChild(this.box);
    this.root.appendChild(outer);
    this.theme();
    if (window.matchMedia) {
      var dark = window.matchMedia("(prefers-color-scheme: dark)");
      if (dark.addEventListener) { dark.addEventListener("change", function () { self.theme(); }); }
    }
    new MutationObserver(function () { self.theme(); }).observe(host, {attributes: true, attributeFilter: ["data-theme"]});
    this.root.addEventListener("click", function (event) { self.click(event); });
    this.root.addEventListener("submit", function (event) { self.submit(event); });
    this.root.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var parent = self.root.querySelector("#comment-form input[name=parent]");
      if (parent && parent.value && event.target.closest("#comment-form-wrap")) { self.cancelReply(); }
      else if (event.target.closest("#report-form-wrap")) { self.closeReport(); }
    });
  }

  Embed.prototype.theme = function () {
    var asked = this.host.getAttribute("data-theme") || document.documentElement.getAttribute("data-theme");
    var dark = asked === "dark" ||
      (asked !== "light" && !!window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
    this.box.setAttribute("data-bs-theme", dark ? "dark" : "light");
  };

  // One request to our server; its answer (a fragment of the section) replaces the box's content.
  Embed.prototype.send = function (path, query, body, anchor) {
    var self = this;
    var params = new URLSearchParams(query);
    params.set("url", this.url);
    params.set("title", this.title);
    var headers = {};
    var reader = saved().reader;
    if (reader) { headers["X-Newsroom-Reader"] = reader; }
    this.box.setAttribute("aria-busy", "true");
    var asked = fetch(base + path + "?" + params, {
      method: body ? "POST" : "GET", body: body || null, headers: headers, credentials: "omit", mode: "cors"
    });
    return Promise.all([styles(), asked])
      .then(function (done) {
        self.root.adoptedStyleSheets = [done[0]];
        var reply = done[1];
        var jar = reply.headers.get("X-Newsroom-Reader");
        if (jar) { save({reader: jar}); }
        var html = (reply.headers.get("Content-Type") || "").indexOf("text/html") === 0;
        return reply.text().then(function (text) { self.show(text, html, anchor); });
      })
      .catch(function () {
        if (!body || !self.box.firstChild) {
          self.show("The comments could not be loaded. Reload the page to try again.", false, "");
          return;
        }
        // A form that could not be sent keeps what the reader wrote: say so above it, and let them send again.
        var alert = self.box.querySelector(".nr-embed-offline") || document.createElement("p");
        alert.className = "nr-embed-offline alert alert-warning";
        alert.setAttribute("role", "alert");
        alert.textContent = "We could not reach the comments. Check your connection, then send again.";
        self.box.insertBefore(alert, self.box.firstChild);
        self.root.querySelectorAll("[type=submit]").forEach(function (button) { button.disabled = false; });
      })
      .then(function () { self.box.removeAttribute("aria-busy"); });
  };

  Embed.prototype.load = function (query, anchor) {
    this.query = query.replace(/^\?/, "");
    return this.send("/embed/v1/section", this.query, null, anchor);
  };

  Embed.prototype.show = function (text, html, anchor) {
    var root = this.root;
    if (html) {
      this.box.innerHTML = text;  // our server's template, escaped there; scripts in it would not run
    } else {
      var alert = document.createElement("p");
      alert.className = "alert alert-warning";
      alert.setAttribute("role", "alert");
      alert.textContent = text;
      this.box.replaceChildren(alert);
    }
    // Our own pages (the FAQ) open in a new tab; the section's links stay in the box (see click).
    root.querySelectorAll("a[href^='/']").forEach(function (link) {
      link.href = base + link.getAttribute("href");
      link.target = "_blank";
      link.rel = "noopener";
    });
    var parent = root.querySelector("#comment-form input[name=parent]");
    var name = root.getElementById("replying-to-name");
    if (parent && parent.value && name) { this.replyTo(parent.value, name.textContent, false); }
    this.counter();
    var marked = root.querySelector(".nr-embed[data-anchor]");
    var target = root.getElementById((marked && marked.getAttribute("data-anchor")) || anchor || "");
    var invalid = root.querySelector("#comment-form .is-invalid, #comment-form-wrap .alert-danger");
    if (invalid) { target = invalid; }
    if (target) {
      target.scrollIntoView({block: "start"});
      if (target === invalid || /^report-notice-/.test(target.id)) {
        if (!target.hasAttribute("tabindex") && !/INPUT|TEXTAREA|SELECT/.test(target.tagName)) { target.setAttribute("tabindex", "-1"); }
        target.focus({preventScroll: true});
      }
    }
  };

  Embed.prototype.click = function (event) {
    var link = event.target.closest("a");
    if (!link) { return; }
    if (link.hasAttribute("data-reply-to")) {
      if (this.replyTo(link.getAttribute("data-reply-to"), link.getAttribute("data-reply-name"), link)) { event.preventDefault(); }
    } else if (link.id === "cancel-reply") {
      event.preventDefault();
      this.cancelReply();
    } else if (link.hasAttribute("data-report")) {
      if (this.openReport(link)) { event.preventDefault(); }
    } else if (link.id === "cancel-report") {
      event.preventDefault();
      this.closeReport();
    } else if (/^[?#]/.test(link.getAttribute("href") || "")) {
      // The section's own links (sort, pages, threads, the no-script Reply and Report): loaded into the box.
      event.preventDefault();
      var href = link.getAttribute("href");
      var hash = href.indexOf("#");
      this.load(hash < 0 ? href : href.slice(0, hash), hash < 0 ? "" : href.slice(hash + 1));
    }
  };

  // Every form of the section goes to our server: the readers' forms through /embed/v1/act, which hands
  // them to the same views as on our own page; the embed's own (sign out) to themselves.
  Embed.prototype.submit = function (event) {
    event.preventDefault();
    var form = event.target;
    var path = (form.getAttribute("action") || "").split("#")[0];
    var button = form.querySelector("[type=submit]");
    if (button) { button.disabled = true; }
    this.query = "";
    if (path.indexOf("/embed/v1/") === 0) { this.send(path, "", new FormData(form)); }
    else { this.send("/embed/v1/act", "to=" + encodeURIComponent(path), new FormData(form)); }
  };

  // Replying: the one comment form moves under the comment answered and says whom it answers.
  Embed.prototype.replyTo = function (id, name, link) {
    var root = this.root;
    var wrap = root.getElementById("comment-form-wrap");
    var slot = root.querySelector('.nr-reply-slot[data-slot-for="' + id + '"]');
    var parent = root.querySelector("#comment-form input[name=parent]");
    if (!wrap || !slot || !parent) { return false; }
    this.cameFrom = link || root.querySelector('[data-reply-to="' + id + '"]');
    parent.value = id;
    root.getElementById("replying-to-name").textContent = name;
    root.getElementById("replying-to").hidden = false;
    root.getElementById("form-title").textContent = "Reply";
    slot.appendChild(wrap);
    if (link !== false) { wrap.querySelector("textarea").focus(); }
    return true;
  };

  Embed.prototype.cancelReply = function () {
    var root = this.root;
    var wrap = root.getElementById("comment-form-wrap");
    var home = root.getElementById("comment-form-home");
    if (!wrap || !home) { return; }
    root.querySelector("#comment-form input[name=parent]").value = "";
    root.getElementById("replying-to-name").textContent = "";
    root.getElementById("replying-to").hidden = true;
    root.getElementById("form-title").textContent = "Join the conversation";
    home.appendChild(wrap);
    if (this.cameFrom) { this.cameFrom.focus(); }
    this.cameFrom = null;
  };

  // Reporting: the one report form moves under the comment and is pointed at it.
  Embed.prototype.openReport = function (link) {
    var root = this.root;
    var wrap = root.getElementById("report-form-wrap");
    var slot = root.querySelector('.nr-report-slot[data-report-slot-for="' + link.getAttribute("data-report") + '"]');
    if (!wrap || !slot) { return false; }
    wrap.querySelector("form").setAttribute("action", link.getAttribute("data-report-url"));
    slot.appendChild(wrap);
    this.reportedFrom = link;
    wrap.querySelector("select").focus();
    return true;
  };

  Embed.prototype.closeReport = function () {
    var home = this.root.getElementById("report-form-home");
    var wrap = this.root.getElementById("report-form-wrap");
    if (!home) {  // put under its comment by the server (?report=): the section without it
      this.load(this.query.replace(/(^|&)report=[^&]*/, ""), "comments");
      return;
    }
    if (wrap) { home.appendChild(wrap); }
    if (this.reportedFrom) { this.reportedFrom.focus(); }
  };

  // The comment box counts what is left of the limit (as the server counts: characters, not UTF-16 units).
  Embed.prototype.counter = function () {
    var body = this.root.getElementById("id_body");
    var help = this.root.getElementById("id_body_helptext");
    if (!body || !help) { return; }
    var max = parseInt(body.getAttribute("maxlength"), 10) || 3000;
    var number = new Intl.NumberFormat("en");
    function update() {
      var left = max - Array.from(body.value).length;
      help.textContent = left >= 0
        ? number.format(left) + " of " + number.format(max) + " characters left"
        : number.format(-left) + " characters over the " + number.format(max) + " limit";
      help.classList.toggle("text-danger", left < 100);
      if (left < 200) { help.setAttribute("aria-live", "polite"); } else { help.removeAttribute("aria-live"); }
    }
    body.addEventListener("input", update);
    update();
  };

  // A sign-in token signs in once: the last one sent is remembered, so a reload does not replay it.
  Embed.prototype.signIn = function (token) {
    save({sso: token.slice(-32)});
    var data = new FormData();
    data.append("token", token);
    return this.send("/embed/v1/sign-in", this.query, data);
  };

  function start() {
    document.querySelectorAll("#newsroom-comments, [data-newsroom-comments]").forEach(function (host) {
      if (host.shadowRoot) { return; }  // the script twice on a page: one section per box
      var embed = new Embed(host);
      embeds.push(embed);
      var token = host.getAttribute("data-sso-token");
      var signedIn = saved().sso;
      if (token && signedIn !== token.slice(-32)) {
        embed.signIn(token);
      } else if (!token && signedIn && host.hasAttribute("data-sso-token")) {
        // The site signs its readers in and this page's token is empty: its reader logged out (or another
        // person uses this computer). They are signed out here too.
        save({sso: ""});
        embed.send("/embed/v1/sign-out", "", new FormData());
      } else {
        embed.load("", "");
      }
    });
  }

  window.NewsroomComments = window.NewsroomComments || {
    signIn: function (token) {
      var first = embeds[0];
      if (!first || !token) { return; }
      first.signIn(String(token)).then(function () {
        embeds.slice(1).forEach(function (embed) { embed.load(embed.query, ""); });
      });
    },
    signOut: function () {
      embeds.forEach(function (embed, n) {
        if (n === 0) { embed.send("/embed/v1/sign-out", embed.query, new FormData()); } else { embed.load(embed.query, ""); }
      });
    }
  };

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
