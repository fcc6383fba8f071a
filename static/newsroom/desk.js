// The moderation desk: decide from the queue's rows without a page load, by click or by key.
// j/k move, a approves, r rejects with the last reason picked (else the row's suggestion),
// 1-4 pick a reason, o opens the comment, ? shows the keys. Without JavaScript every
// button still works: it posts the row's decision and the desk comes back.
// (The admin loads it in the page's head: it starts once the queue's table is there.)
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var table = document.getElementById("result_list");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var status = document.getElementById("desk-status");
  var help = document.getElementById("desk-help");
  var helpButton = document.querySelector(".desk-help-button");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var reasons = ["abusive", "off_topic", "spam", "other"];
  var lastReason = null;
  var current = -1;

  function say(text) { if (status) { status.textContent = text; } }

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (rows[current]) { rows[current].classList.remove("desk-current"); }
    current = index;
    rows[current].classList.add("desk-current");
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function nextOpen(from) {
    for (var i = from + 1; i < rows.length; i++) { if (!rows[i].classList.contains("desk-done")) { return i; } }
    return -1;
  }

  function decide(row, kind, reason) {
    var box = row.querySelector(".desk-decide");
    if (!box || row.classList.contains("desk-done") || row.dataset.busy) { return; }
    var id = box.querySelector(".desk-reason") ? box.querySelector(".desk-reason").name.split("-")[1] : null;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
    data.append("decide", kind);
    if (kind === "reject") {
      var choice = box.querySelector(".desk-reason");
      reason = reason || (choice && choice.value);
      if (choice && reason) { choice.value = reason; }
      data.append("reason-" + id, reason);
      if (reason === "other") {
        var note = window.prompt("Why is it rejected? (a note is needed for 'other')");
        if (!note) { return; }
        data.append("note-" + id, note);
      }
    }
    row.dataset.busy = "1";
    fetch(box.dataset.decideUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      delete row.dataset.busy;
      say(result.answer.message);
      if (!result.ok) { return; }
      row.classList.add("desk-done");
      var outcome = document.createElement("span");
      outcome.className = "desk-outcome";
      outcome.textContent = result.answer.message;
      box.parentNode.appendChild(outcome);
      var index = rows.indexOf(row);
      var next = nextOpen(index);
      if (next !== -1) { select(next); } else { say(result.answer.message + " Nothing left on this page."); }
    }).catch(function () {
      delete row.dataset.busy;
      say("The decision could not be sent: check the connection and try again.");
    });
  }

  // Clicks on a row's buttons: the same decision, without the page load.
  table.addEventListener("click", function (event) {
    var button = event.target.closest(".desk-approve, .desk-reject");
    if (!button) { return; }
    event.preventDefault();
    var row = button.closest("tr");
    select(rows.indexOf(row));
    decide(row, button.value, null);
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
    if (target.closest && target.closest("input[type=text], input[type=search], textarea, [contenteditable]")) { return; }
    var key = event.key;
    var row = rows[current];
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "j") { select(current + 1); event.preventDefault(); return; }
    if (key === "k") { select(current - 1); event.preventDefault(); return; }
    if (!row) { return; }
    if (key === "a") { decide(row, "approve", null); event.preventDefault(); }
    else if (key === "r") { decide(row, "reject", lastReason); event.preventDefault(); }
    else if (key >= "1" && key <= "4") {
      lastReason = reasons[Number(key) - 1];
      var choice = row.querySelector(".desk-reason");
      if (choice) { choice.value = lastReason; }
      say("Reason: " + (choice ? choice.options[choice.selectedIndex].text : lastReason) + ". Press r to reject.");
      event.preventDefault();
    } else if (key === "o") {
      var open = row.querySelector(".desk-open");
      if (open) { window.location.href = open.href; }
      event.preventDefault();
    }
  });

  if (rows.length && rows[0].querySelector(".desk-decide")) { select(0); }
});
