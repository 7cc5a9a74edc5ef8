/* Quick entry on the meeting sheet: a row of the printed sheet typed as "12 7 k 5000"
 * (giver's number, receiver's number, resource letter, amount, then an optional note).
 * The names are shown as it is typed, so a wrong number is seen before anything is saved;
 * Enter (or "Add to the sheet") fills the first empty row of the sheet, which is then saved
 * as usual (the server checks every row, offline too through the outbox).
 * Numbers and letters come from the list in the page (#quick-entry li[data-code]), built by
 * the server from the same key as the printed sheet (groups/forms/sheet.py: sheet_key).
 */
(function () {
  "use strict";

  var box = document.getElementById("quick-entry");
  if (!box) return;
  var input = document.getElementById("quick-line");
  var out = document.getElementById("quick-read");
  var parties = {};
  var resources = {};

  function words(name) {
    return box.getAttribute("data-msg-" + name) || "";
  }

  box.querySelectorAll("li[data-code]").forEach(function (li) {
    var entry = { key: li.getAttribute("data-party") || li.getAttribute("data-resource"), label: li.getAttribute("data-label") };
    var code = li.getAttribute("data-code").toLowerCase();
    if (li.hasAttribute("data-party")) parties[code] = entry;
    else resources[code] = entry;
  });

  function read(line) {
    var t = line.trim().split(/\s+/).filter(Boolean);
    if (t.length < 3) return { error: words("short") };
    var giver = parties[t[0].toLowerCase()];
    var receiver = parties[t[1].toLowerCase()];
    var resource = resources[t[2].toLowerCase()];
    if (!giver) return { error: words("unknown").replace("{code}", t[0]) };
    if (!receiver) return { error: words("unknown").replace("{code}", t[1]) };
    if (!resource) return { error: words("resource").replace("{code}", t[2]) };
    if (giver.key === receiver.key) return { error: words("same") };
    return { giver: giver, receiver: receiver, resource: resource, amount: t[3] || "", note: t.slice(4).join(" ") };
  }

  function describe(row) {
    var parts = [row.giver.label + " \u2192 " + row.receiver.label, row.resource.label];
    if (row.amount) parts.push(row.amount);
    if (row.note) parts.push(row.note);
    return parts.join(" \u00b7 ");
  }

  function show(text, bad) {
    out.textContent = text;
    out.classList.toggle("quick-error", !!bad);
  }

  function emptyRow() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#sheet-rows tr"));
    var free = rows.find(function (tr) {
      var giver = tr.querySelector("select[name$='-giver']");
      return giver && !giver.value;
    });
    if (free || !window.CommunityMapOffline) return free;
    window.CommunityMapOffline.addSheetRow();
    return document.querySelector("#sheet-rows tr:last-child");
  }

  function set(row, name, value) {
    var field = row.querySelector("[name$='-" + name + "']");
    if (!field) return;
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true })); // the amount is read back
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function add() {
    var row = read(input.value);
    if (row.error) return show(row.error, true);
    var tr = emptyRow();
    if (!tr) return;
    set(tr, "giver", row.giver.key);
    set(tr, "receiver", row.receiver.key);
    set(tr, "resource", row.resource.key);
    set(tr, "amount", row.amount);
    set(tr, "note", row.note);
    var number = Array.prototype.indexOf.call(tr.parentElement.children, tr) + 1;
    show(words("added").replace("{n}", String(number)).replace("{what}", describe(row)), false);
    input.value = "";
    input.focus();
  }

  input.addEventListener("input", function () {
    if (!input.value.trim()) return show("", false);
    var row = read(input.value);
    show(row.error || describe(row), !!row.error);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      add();
    }
  });
  document.getElementById("quick-add").addEventListener("click", add);
})();
