// The moderation desk: decide from the queue's rows without a page load, by click or by key.
// j/k move (the selected row has the keyboard focus, so a screen reader reads it), a approves, r rejects for
// the reason the row's dropdown shows, 1-4 set that reason (in this row, and in the rows below whose reason
// the moderator has not set), s opens the row's sanction form (Enter sends it, Escape closes it), f features a
// published comment (or stops featuring it), z undoes
// the last decision within its window, o opens the comment, ? shows the keys. What a row shows is what is
// applied: nothing is remembered beside the dropdowns. Each decision posts the state the row showed (status
// and version); if someone decided meanwhile the server refuses it (409) and the row shows what happened and
// the comment's state now. When few undecided rows are left, the next ones are fetched and added below.
// Without JavaScript every button still works: it posts the desk's form and the desk comes back.
// (The admin loads it in the page's head: it starts once the queue's table is there.)
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var table = document.getElementById("result_list");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var status = document.getElementById("desk-status");
  var help = document.getElementById("desk-help");
  var helpButton = document.querySelector(".desk-help-button");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var reasons = ["abusive", "off_topic", "spam", "other"];
  var undoable = [];  // decisions made on this page, the latest last: {row, event, url, until}
  var current = -1;
  var FEW_LEFT = 5;  // undecided rows left when the next ones are fetched
  var MAX_PAGES_AHEAD = 5;  // pages looked through for rows not shown yet (rows the moderator skipped fill some)
  var loading = false;
  var more = false;  // whether the last page read (on arrival or fetched) had a page after it
  // One request at a time: a key pressed while the next rows are fetched waits for them, in order.
  var queue = Promise.resolve();
  function inTurn(send) {
    var sent = queue.then(send);
    queue = sent.catch(function () {});
    return sent;
  }

  var said = "";
  function say(text) { said = text; if (status) { status.textContent = text; } }
  function sayAlso(text) { if (status) { status.textContent = (said ? said + " " : "") + text; } }

  function prepare(row) { row.tabIndex = -1; }  // focusable by script, not a stop for the Tab key
  rows.forEach(prepare);

  // The selected row is the one the keys act on. It takes the focus too (unless the moderator is using a
  // control with the mouse or keyboard, which keeps it), so the screen reader follows the selection.
  function select(index, focus) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (rows[current]) {
      rows[current].classList.remove("desk-current");
      rows[current].removeAttribute("aria-current");
    }
    current = index;
    var row = rows[current];
    row.classList.add("desk-current");
    row.setAttribute("aria-current", "true");
    if (focus !== false) { row.focus({ preventScroll: true }); }
    row.scrollIntoView({ block: "nearest" });
  }

  function isDone(row) { return row.classList.contains("desk-done"); }
  function nextOpen(from) {
    for (var i = from + 1; i < rows.length; i++) { if (!isDone(rows[i])) { return i; } }
    return -1;
  }
  function openCount() { return rows.filter(function (row) { return !isDone(row); }).length; }

  function commentOf(row) { var head = row.querySelector(".desk-head"); return head ? head.dataset.comment : ""; }
  function cell(row) { var box = row.querySelector(".desk-decide, .desk-final"); return box ? box.parentNode : null; }
  function reasonOf(row) { return row.querySelector("select.desk-reason"); }

  function post(url, data) {
    data.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
    return inTurn(function () {
      return fetch(url, {
        method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, code: response.status, answer: answer }; });
      });
    });
  }

  // Feature a published comment, or stop featuring it: no page load, so undo (z) and the place are kept.
  function feature(row) {
    var button = row.querySelector(".desk-feature");
    if (!button) { say("Only a published comment can be featured."); return; }
    var data = new FormData();
    data.append("feature", button.value);
    post(button.getAttribute("formaction"), data).then(function (result) {
      if (result.answer.controls) { showState(row, result.answer); }
      say(result.answer.message || "That could not be done.");
    }).catch(function () { say("The server could not be reached: nothing was changed."); });
  }

  // The row as the server says the comment is now: its status badge and its controls for that state.
  function showState(row, answer) {
    var place = cell(row);
    if (place && answer.controls) {
      var outcome = place.querySelector(".desk-outcome");
      place.innerHTML = answer.controls;
      if (outcome) { place.appendChild(outcome); }
    }
    var badge = row.querySelector(".desk-head .desk-status");
    if (badge && answer.status_label) { badge.textContent = answer.status_label; }
    delete row.dataset.reasonSet;  // new controls show the suggestion for the new state
  }

  function outcomeOf(row, text, kind) {
    var place = cell(row);
    var outcome = place.querySelector(".desk-outcome");
    if (!outcome) {
      outcome = document.createElement("div");
      place.appendChild(outcome);
    }
    outcome.className = "desk-outcome" + (kind ? " desk-" + kind : "");
    outcome.textContent = text;
    return outcome;
  }

  function offerUndo(row, outcome, undo) {
    var entry = { row: row, event: undo.event, url: undo.url, until: Date.now() + undo.seconds * 1000 };
    undoable.push(entry);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button desk-undo";
    outcome.appendChild(document.createTextNode(" "));
    outcome.appendChild(button);
    function tick() {
      var left = Math.ceil((entry.until - Date.now()) / 1000);
      if (left <= 0 || !button.isConnected) { button.remove(); clearInterval(timer); return; }
      button.textContent = "Undo (" + left + " s)";
    }
    var timer = setInterval(tick, 250);
    tick();
    button.addEventListener("click", function (event) { event.preventDefault(); undo_(entry); });
  }

  function undo_(entry) {
    if (entry.row.dataset.busy) { return; }
    var data = new FormData();
    data.append("event", entry.event);
    entry.row.dataset.busy = "1";
    post(entry.url, data).then(function (result) {
      delete entry.row.dataset.busy;
      undoable = undoable.filter(function (e) { return e !== entry; });
      say(result.answer.message);
      var button = entry.row.querySelector(".desk-undo");
      if (button) { button.remove(); }
      if (!result.ok) { return; }
      entry.row.classList.remove("desk-done");
      var outcome = entry.row.querySelector(".desk-outcome");
      if (outcome) { outcome.remove(); }
      showState(entry.row, result.answer);
      select(rows.indexOf(entry.row));
    }).catch(function () {
      delete entry.row.dataset.busy;
      say("The undo could not be sent: check the connection and try again.");
    });
  }

  function decide(row, kind) {
    var box = row.querySelector(".desk-decide");
    if (!box || isDone(row) || row.dataset.busy) { return; }
    var id = box.dataset.comment;
    var data = new FormData();
    data.append("decide", kind);
    var seen = box.querySelector(".desk-seen");
    data.append("seen-" + id, seen ? seen.value : "");
    if (kind === "reject") {
      var choice = reasonOf(row);
      if (!choice) { say("It cannot be rejected in its state."); return; }
      var reason = choice.value;  // what the row shows, and nothing else
      data.append("reason-" + id, reason);
      if (reason === "other") {
        var note = window.prompt("Why is it rejected? (a note is needed for 'other')");
        if (!note) { return; }
        data.append("note-" + id, note);
      }
    }
    row.dataset.busy = "1";
    post(box.dataset.decideUrl, data).then(function (result) {
      delete row.dataset.busy;
      var answer = result.answer;
      say(answer.message);
      if (result.code === 409) {
        // Someone else decided (or it would change nothing): the row shows what and the state now.
        showState(row, answer);
        outcomeOf(row, answer.message, "conflict");
        return;
      }
      if (!result.ok) { return; }
      showState(row, answer);  // its status now, not the one it was listed with
      row.classList.add("desk-done");
      var outcome = outcomeOf(row, answer.message, "");
      if (answer.undo) { offerUndo(row, outcome, answer.undo); }
      var next = nextOpen(rows.indexOf(row));
      if (next !== -1) { select(next); }
      else if (!more && openCount()) { say(answer.message + " Nothing left below this one."); }
      loadMoreIfFew();
    }).catch(function () {
      delete row.dataset.busy;
      say("The decision could not be sent: check the connection and try again.");
    });
  }

  // A number key: this row's reason, and the reason of the rows below still showing their suggestion.
  function setReason(reason) {
    var row = rows[current];
    var choice = reasonOf(row);
    if (!choice) { say("This comment cannot be rejected in its state."); return; }
    choice.value = reason;
    row.dataset.reasonSet = "1";
    var preset = 0;
    for (var i = current + 1; i < rows.length; i++) {
      var later = reasonOf(rows[i]);
      if (later && !rows[i].dataset.reasonSet && !isDone(rows[i])) {
        later.value = reason;
        preset += 1;
      }
    }
    var label = choice.options[choice.selectedIndex].text;
    say("Reason: " + label + (preset ? " (also shown in " + preset + " rows below)" : "") + ". Press r to reject.");
  }

  // The row's sanction form: opened by s, sent by Enter or its button, closed by Escape; focus then
  // returns to the row. A refusal is said in the row; a sanction refused for what was typed keeps the form.
  function sanctionForm(row) { return row.querySelector("details.desk-sanction"); }

  function openSanction(row) {
    var form = sanctionForm(row);
    if (!form) { say("You cannot sanction this commenter from here (it needs the permission to sanction)."); return; }
    form.open = true;
    form.querySelector(".desk-sanction-kind").focus();
  }

  function closeSanction(row) {
    var form = sanctionForm(row);
    if (form) { form.open = false; }
    select(rows.indexOf(row));
  }

  function sanctionOutcome(row, text, kind) {
    var form = sanctionForm(row);
    var outcome = row.querySelector(".desk-sanction-outcome");
    if (!outcome) {
      outcome = document.createElement("div");
      form.parentNode.insertBefore(outcome, form.nextSibling);
    }
    outcome.className = "desk-sanction-outcome" + (kind ? " desk-" + kind : "");
    outcome.textContent = text;
  }

  function sanction(row) {
    var form = sanctionForm(row);
    var button = form && form.querySelector(".desk-sanction-submit");
    if (!button || row.dataset.sanctioning) { return; }
    var id = commentOf(row);
    var data = new FormData();
    ["kind", "days", "reason"].forEach(function (field) {
      var input = form.querySelector("[name=sanction-" + field + "-" + id + "]");
      data.append("sanction-" + field + "-" + id, input ? input.value : "");
    });
    row.dataset.sanctioning = "1";
    post(button.getAttribute("formaction"), data).then(function (result) {
      delete row.dataset.sanctioning;
      var message = result.answer.message;
      say(message);
      sanctionOutcome(row, message, result.ok ? "" : "conflict");
      if (result.code === 400 && form.open) {
        form.querySelector(".desk-sanction-reason").focus();  // say it again, differently
        return;
      }
      if (result.ok) { form.querySelector(".desk-sanction-reason").value = ""; }
      closeSanction(row);
    }).catch(function () {
      delete row.dataset.sanctioning;
      say("The sanction could not be sent: check the connection and try again.");
    });
  }

  // The next rows come by themselves: while the list goes on past what is shown, the desk's own address (its
  // tab, filters and page) is fetched again when few rows are left, and the rows not shown yet are added
  // below, wired like the others; the selection stays where it is. A page whose rows are all shown (rows
  // skipped, not decided) sends the search on to the next page. Once a fetched page is the list's last,
  // everything waiting is shown, and nothing more is fetched.
  function pageUrl(page) {
    var url = new URL(window.location.href);
    if (page > 1) { url.searchParams.set("p", String(page)); } else { url.searchParams.delete("p"); }
    return url.toString();
  }

  function hasPage(doc, page) {
    return Array.prototype.some.call(doc.querySelectorAll(".paginator a[href]"), function (link) {
      return new URL(link.getAttribute("href"), window.location.href).searchParams.get("p") === String(page);
    });
  }

  function showCounts(doc) {
    var fresh = doc.querySelectorAll(".desk-tabs .desk-tab-count");
    document.querySelectorAll(".desk-tabs .desk-tab-count").forEach(function (count, i) {
      if (fresh[i]) { count.textContent = fresh[i].textContent; }
    });
  }

  function loadFrom(page, ahead) {
    return inTurn(function () { return fetch(pageUrl(page), { credentials: "same-origin", headers: { "Accept": "text/html" } }); })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var shown = {};
        rows.forEach(function (row) { shown[commentOf(row)] = true; });
        var added = [];
        doc.querySelectorAll("#result_list tbody tr").forEach(function (row) {
          var id = commentOf(row);
          if (!id || shown[id]) { return; }
          row.classList.remove("desk-current");
          body.appendChild(document.adoptNode(row));
          prepare(row);
          rows.push(row);
          added.push(row);
        });
        showCounts(doc);
        more = hasPage(doc, page + 1);
        if (!added.length && more && ahead < MAX_PAGES_AHEAD) { return loadFrom(page + 1, ahead + 1); }
        return added;
      });
  }

  function currentPage() { return Number(new URL(window.location.href).searchParams.get("p")) || 1; }

  function loadMore() {
    if (loading || !more) { return; }
    loading = true;
    table.dataset.loading = "1";
    loadFrom(currentPage(), 0).then(function (added) {
      loading = false;
      delete table.dataset.loading;
      if (!added.length) {
        if (!openCount()) { sayAlso("No more comments waiting in this tab."); }
        return;
      }
      var n = added.length;
      sayAlso(n + " more comment" + (n === 1 ? "" : "s") + " loaded below.");
      // The selection stays, unless it is on a decided row with nothing open after it.
      if (!rows[current] || (isDone(rows[current]) && nextOpen(current) === -1)) {
        select(rows.indexOf(added[0]), document.activeElement === document.body || table.contains(document.activeElement));
      }
    }).catch(function () {
      loading = false;
      delete table.dataset.loading;
      say("The next comments could not be fetched: reload the page to see them.");
    });
  }

  function loadMoreIfFew() {
    if (openCount() > FEW_LEFT) { return; }
    if (more) { loadMore(); } else if (!openCount()) { sayAlso("No more comments waiting in this tab."); }
  }

  // Clicks on a row's buttons: the same decision, without the page load (the clicked control keeps focus).
  table.addEventListener("click", function (event) {
    var row = event.target.closest("tr");
    if (!row || rows.indexOf(row) === -1) { return; }
    if (event.target.closest(".desk-sanction-submit")) {
      event.preventDefault();
      select(rows.indexOf(row), false);
      sanction(row);
      return;
    }
    var button = event.target.closest(".desk-approve, .desk-reject");
    if (!button) { return; }
    event.preventDefault();
    select(rows.indexOf(row), false);
    decide(row, button.value);
  });
  // A reason picked with the mouse is the moderator's: a number key pressed on another row leaves it.
  table.addEventListener("change", function (event) {
    if (!event.target.classList.contains("desk-reason")) { return; }
    var row = event.target.closest("tr");
    row.dataset.reasonSet = "1";
    select(rows.indexOf(row), false);
  });
  // Inside a sanction form the keys are the form's: Enter sends it (not the desk's form), Escape closes it.
  table.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest(".desk-sanction-form");
    if (!form) { return; }
    var row = form.closest("tr");
    if (event.key === "Enter" && !event.target.matches("button")) { event.preventDefault(); sanction(row); }
    else if (event.key === "Escape") { event.preventDefault(); closeSanction(row); }
  });

  function toggleHelp() {
    if (!help) { return; }
    help.hidden = !help.hidden;
    if (helpButton) { helpButton.setAttribute("aria-expanded", String(!help.hidden)); }
  }
  if (helpButton) { helpButton.addEventListener("click", toggleHelp); }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target.closest && target.closest("input[type=text], input[type=search], input[type=number], textarea, [contenteditable], .desk-sanction-form")) { return; }
    var key = event.key;
    var row = rows[current];
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "j") {
      select(current + 1);
      if (current === rows.length - 1) { loadMore(); }
      event.preventDefault();
      return;
    }
    if (key === "k") { select(current - 1); event.preventDefault(); return; }
    if (key === "z") {
      event.preventDefault();
      if (!undoable.length) { say("Nothing to undo."); return; }
      undo_(undoable[undoable.length - 1]);  // the server says if its window has passed
      return;
    }
    if (!row) { return; }
    if (key === "a") { decide(row, "approve"); event.preventDefault(); }
    else if (key === "r") { decide(row, "reject"); event.preventDefault(); }
    else if (key === "s") { openSanction(row); event.preventDefault(); }
    else if (key === "f") { feature(row); event.preventDefault(); }
    else if (key >= "1" && key <= "4") { setReason(reasons[Number(key) - 1]); event.preventDefault(); }
    else if (key === "o") {
      var open = row.querySelector(".desk-open");
      if (open) { window.location.href = open.href; }
      event.preventDefault();
    }
  });

  more = hasPage(document, currentPage() + 1);
  if (rows.length && rows[0].querySelector(".desk-decide")) { select(0); }
});
