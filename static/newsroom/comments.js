// Replies without leaving the page: move the one comment form under the comment
// being answered, say whom it answers, and move it back on cancel. Without
// JavaScript the Reply links load the page with the form set to reply instead.
(function () {
  "use strict";
  var wrap = document.getElementById("comment-form-wrap");
  var home = document.getElementById("comment-form-home");
  if (!wrap || !home) { return; }
  var form = wrap.querySelector("form");
  var parentInput = form && form.querySelector("input[name=parent]");
  var banner = document.getElementById("replying-to");
  var nameSlot = document.getElementById("replying-to-name");
  var cancel = document.getElementById("cancel-reply");
  var title = document.getElementById("form-title");
  if (!form || !parentInput || !banner || !nameSlot || !cancel) { return; }
  var cameFrom = null;  // the Reply link that opened the form: focus goes back there on cancel

  function replyTo(id, name, link) {
    var slot = document.querySelector('.nr-reply-slot[data-slot-for="' + id + '"]');
    if (!slot) { return false; }
    cameFrom = link || document.querySelector('[data-reply-to="' + id + '"]');
    parentInput.value = id;
    nameSlot.textContent = name;
    banner.hidden = false;
    if (title) { title.textContent = "Reply"; }
    slot.appendChild(wrap);
    var body = form.querySelector("textarea");
    if (body) { body.focus(); }
    return true;
  }

  function cancelReply() {
    parentInput.value = "";
    nameSlot.textContent = "";
    banner.hidden = true;
    if (title) { title.textContent = "Join the conversation"; }
    home.appendChild(wrap);
    if (cameFrom) { cameFrom.focus(); }
    cameFrom = null;
    if (window.location.search.indexOf("reply_to=") !== -1 && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + "#comments");
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-reply-to]");
    if (link) {
      if (replyTo(link.getAttribute("data-reply-to"), link.getAttribute("data-reply-name"), link)) {
        event.preventDefault();
      }
      return;
    }
    if (event.target.closest("#cancel-reply")) {
      event.preventDefault();
      cancelReply();
    }
  });

  // Escape, from within the reply form, cancels the reply.
  wrap.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && parentInput.value) {
      event.preventDefault();
      event.stopPropagation();
      cancelReply();
    }
  });

  // A reply form shown by the server (no-JS link, or an error) sits under its comment too.
  if (parentInput.value) {
    replyTo(parentInput.value, nameSlot.textContent, null);
  }

  // After an error, focus the first field that needs fixing (or the message above the form). After
  // the page has loaded: the browser's own move to the #comment-form anchor would take focus back.
  function focusFirstError() {
    var invalid = form.querySelector(".is-invalid");
    var alert = wrap.querySelector(".alert-danger, .alert-block");
    if (invalid) {
      invalid.focus();
    } else if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  }
  if (document.readyState === "complete") { focusFirstError(); } else { window.addEventListener("load", focusFirstError); }
})();

// The comment box counts what is left of the limit. Screen readers hear it only near the end.
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  var help = document.getElementById("id_body_helptext");
  if (!body || !help) { return; }
  var max = parseInt(body.getAttribute("maxlength"), 10) || 3000;
  var number = new Intl.NumberFormat("en");

  function update() {
    var left = max - Array.from(body.value).length;  // characters as the server counts them
    help.textContent = left >= 0
      ? number.format(left) + " of " + number.format(max) + " characters left"
      : number.format(-left) + " characters over the " + number.format(max) + " limit";
    help.classList.toggle("text-danger", left < 100);
    if (left < 200) { help.setAttribute("aria-live", "polite"); } else { help.removeAttribute("aria-live"); }
  }
  body.addEventListener("input", update);
  update();
})();

// Reports: the page has one report form; "Report" moves it under the comment and points it
// at that comment. Without JavaScript the link loads the page with the form there instead.
(function () {
  "use strict";
  var wrap = document.getElementById("report-form-wrap");
  var home = document.getElementById("report-form-home");
  if (!wrap) { return; }
  var form = wrap.querySelector("form");
  var lastLink = null;

  function open(link) {
    var slot = document.querySelector('.nr-report-slot[data-report-slot-for="' + link.getAttribute("data-report") + '"]');
    if (!slot || !form) { return false; }
    form.setAttribute("action", link.getAttribute("data-report-url"));
    slot.appendChild(wrap);
    lastLink = link;
    var reason = form.querySelector("select");
    if (reason) { reason.focus(); }
    return true;
  }

  function close() {
    if (home) { home.appendChild(wrap); }
    if (lastLink) { lastLink.focus(); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-report]");
    if (link) {
      if (open(link)) { event.preventDefault(); }
      return;
    }
    if (event.target.closest("#cancel-report") && home) {
      event.preventDefault();
      close();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && home && wrap.parentNode !== home) { close(); }
  });
})();

// After a report the page lands on what became of it, under the comment reported (the server anchors
// the page there). Focus it too, so that a screen reader reads it: the anchor moves the view only.
(function () {
  "use strict";
  var hash = window.location.hash;
  var notice = hash.indexOf("#report-notice-") === 0 ? document.getElementById(hash.slice(1)) : null;
  if (!notice) { return; }
  function focusNotice() { notice.focus(); }
  if (document.readyState === "complete") { focusNotice(); } else { window.addEventListener("load", focusNotice); }
})();
