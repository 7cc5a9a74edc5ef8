/* The outbox: what is entered with no signal is kept on the phone (IndexedDB) and sent by
 * itself when the signal returns, oldest first.
 *
 * A form opts in with data-outbox="<sync address>" (the member's log form, the meeting
 * sheet, the meeting ledger; all are sent by htmx). With no signal its submit is kept here instead of posted;
 * so is a send the network drops while the phone believes it has signal ("lie-fi": htmx
 * reports sendError or timeout), while any answer of the server, even an error, is shown as
 * usual and nothing is kept. What is kept is the posted fields as
 * they are, with the form's one-time token as the item's id, so a resend after a lost answer
 * is recorded once (groups/views/outbox.py answers "already saved"). The server answers each
 * item accepted or refused with reasons; a refused item stays, with "Correct it" (the form
 * opens filled in, each reason beside its field) and "Discard" (asked first).
 * Items belong to the user who queued them (body[data-offline-user]): another login on the
 * same phone neither sees nor sends them, and the server refuses them if it were tried.
 * The panel #outbox (templates/base.html) lists them; its data-waiting, data-refused and
 * data-state ("sending" / "idle") say where things are, for people and tests alike.
 */
(function () {
  "use strict";

  var body = document.body;
  var user = body.getAttribute("data-offline-user") || "";
  var panel = document.getElementById("outbox");
  var sent = []; // what was sent while this page was open: {summary, message, url}

  function words(name) {
    return (panel && panel.getAttribute("data-msg-" + name)) || "";
  }

  // --- IndexedDB ------------------------------------------------------------------------------

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("communitymap", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("outbox", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction("outbox", mode);
        var request = work(transaction.objectStore("outbox"));
        transaction.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  function mine() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items
        .filter(function (item) { return user && item.owner === user; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }

  function put(item) { return store("readwrite", function (s) { return s.put(item); }); }
  function drop(id) { return store("readwrite", function (s) { return s.delete(id); }); }
  function get(id) { return store("readonly", function (s) { return s.get(id); }); }

  // --- keeping a form -----------------------------------------------------------------------

  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function labelOf(input) {
    var label = input.closest("label");
    if (!label) return "";
    var named = label.querySelector(".choice-label") || label.querySelector("span") || label;
    return named.textContent.trim();
  }

  /* What the item holds, in a line: the chosen answers, the date, the amount. */
  function summarise(form) {
    var parts = [];
    var title = form.getAttribute("data-outbox-title");
    if (title) parts.push(title);
    form.querySelectorAll("input[type=radio]:checked").forEach(function (radio) {
      parts.push(labelOf(radio));
    });
    var date = form.querySelector("input[type=date]");
    if (date && date.value) parts.push(date.value);
    var amount = form.querySelector("input[name=amount]");
    var unit = form.querySelector("input[name=unit]");
    if (amount && amount.value) parts.push((amount.value + " " + (unit ? unit.value : "")).trim());
    var rows = form.querySelectorAll("select[name$=-giver]");
    if (rows.length) {
      var filled = Array.prototype.filter.call(rows, function (s) { return s.value; }).length;
      parts.push(words("rows").replace("{n}", String(filled)));
    }
    return parts.filter(Boolean).join(" · ");
  }

  function keep(form, message) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") fields.push([name, String(value)]);
    });
    var token = form.querySelector("input[name=token]");
    var item = {
      id: token.value,
      owner: user,
      url: form.getAttribute("data-outbox"),
      page: window.location.pathname,
      summary: summarise(form),
      fields: fields,
      created: Date.now(),
      state: "waiting",
      message: "",
      errors: {},
    };
    return get(item.id).then(function (earlier) {
      if (earlier) item.created = earlier.created; // a corrected item keeps its place
      return put(item);
    }).then(function () {
      form.reset();
      clearErrors(form);
      form.removeAttribute("data-outbox-fixing");
      token.value = newToken(); // the next entry is a new item
      if (window.location.hash.indexOf("#outbox=") === 0) history.replaceState(null, "", window.location.pathname);
      say(form, message || words("kept"));
      return render();
    });
  }

  function say(form, text) {
    var status = form.querySelector(":scope > .outbox-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "outbox-status";
      status.setAttribute("role", "status");
      form.insertBefore(status, form.querySelector(":scope > .actions"));
    }
    status.textContent = text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-outbox") || !user) return;
    if (event.submitter && event.submitter.hasAttribute("formaction")) return; // "+ Add a row"
    if (navigator.onLine && !form.hasAttribute("data-outbox-fixing")) return; // posted as usual
    event.preventDefault();
    event.stopPropagation(); // neither htmx nor forms.js sends it: it is kept
    keep(form).then(flush);
  }, true);

  /* Sent with signal, but the network dropped it on the way (no answer at all): kept like an
   * entry made with no signal, with its same token, so if the server did save it the resend
   * is recorded once. Caught before forms.js says "nothing was saved". */
  function lost(event) {
    var form = event.detail.elt; // the form's own post, not a name search or "+ Add a row"
    if (!form || !form.hasAttribute || !form.hasAttribute("data-outbox") || form.tagName !== "FORM") return;
    if (!user || !panel || !window.indexedDB) return;
    event.stopPropagation();
    keep(form, words("lost")).then(flush, function () {
      say(form, body.getAttribute("data-msg-offline") || "");
    });
  }

  document.addEventListener("htmx:sendError", lost, true);
  document.addEventListener("htmx:timeout", lost, true);

  // --- sending ------------------------------------------------------------------------------

  function csrf() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function send(item) {
    var data = new URLSearchParams();
    item.fields.forEach(function (field) { data.append(field[0], field[1]); });
    data.append("outbox_owner", item.owner);
    return fetch(item.url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.redirected || response.status >= 500 || response.status === 429) return null; // try later
      if (!json) {
        return { state: "refused", message: words("failed").replace("{status}", String(response.status)), errors: {} };
      }
      return response.json();
    });
  }

  var flushing = null;

  function flush() {
    if (flushing) return flushing;
    if (!navigator.onLine || !user) return render();
    if (panel) panel.setAttribute("data-state", "sending");
    flushing = mine()
      .then(function (items) {
        var waiting = items.filter(function (item) { return item.state === "waiting"; });
        return waiting.reduce(function (previous, item) {
          return previous.then(function (go) {
            if (!go) return false;
            return send(item).then(function (answer) {
              if (!answer) return false; // the server is away: the rest wait too
              if (answer.state === "accepted") {
                sent.push({ summary: item.summary, message: answer.message, url: answer.url });
                return drop(item.id).then(function () { return true; });
              }
              item.state = "refused";
              item.message = answer.message;
              item.errors = answer.errors || {};
              return put(item).then(function () { return true; });
            }, function () { return false; }); // no network after all: keep waiting
          });
        }, Promise.resolve(true));
      })
      .catch(function () { return null; })
      .then(function () {
        flushing = null;
        return render();
      })
      .then(retryLater);
    return flushing;
  }

  /* With "signal" that carries nothing, no "online" event comes: try again now and then. */
  var retry = null;
  var RETRY_MS = 30 * 1000;

  function retryLater() {
    if (retry || !panel || panel.getAttribute("data-waiting") === "0" || !navigator.onLine) return;
    retry = window.setTimeout(function () {
      retry = null;
      flush();
    }, RETRY_MS);
  }

  window.addEventListener("online", flush);
  window.addEventListener("hashchange", function () { fixFromAddress(); }); // "Correct it" on its own page

  // --- the panel ----------------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function itemView(item) {
    var li = element("li", "outbox-item outbox-" + item.state);
    li.appendChild(element("strong", "", item.summary));
    li.appendChild(element("span", "outbox-state", item.state === "refused" ? item.message : words("waiting")));
    if (item.state === "refused") {
      var reasons = element("ul", "errorlist");
      Object.keys(item.errors).forEach(function (key) {
        item.errors[key].forEach(function (reason) { reasons.appendChild(element("li", "", reason)); });
      });
      if (reasons.childElementCount) li.appendChild(reasons);
      var actions = element("p", "outbox-actions");
      var fix = element("a", "btn secondary", words("fix"));
      fix.href = item.page + "#outbox=" + encodeURIComponent(item.id);
      var discard = element("button", "link", words("discard"));
      discard.type = "button";
      discard.addEventListener("click", function () {
        if (window.confirm(words("discard-ask"))) drop(item.id).then(render);
      });
      actions.appendChild(fix);
      actions.appendChild(discard);
      li.appendChild(actions);
    }
    return li;
  }

  function render() {
    if (!panel || !user) return Promise.resolve();
    return mine().then(function (items) {
      var refused = items.filter(function (item) { return item.state === "refused"; }).length;
      panel.setAttribute("data-waiting", String(items.length - refused));
      panel.setAttribute("data-refused", String(refused));
      panel.setAttribute("data-state", flushing ? "sending" : "idle");
      panel.hidden = !items.length && !sent.length;
      var title = panel.querySelector(".outbox-title");
      title.textContent = items.length ? words("title").replace("{n}", String(items.length)) : words("done");
      var list = panel.querySelector(".outbox-items");
      list.replaceChildren();
      items.forEach(function (item) { list.appendChild(itemView(item)); });
      sent.forEach(function (done) {
        var li = element("li", "outbox-item outbox-sent");
        li.appendChild(element("strong", "", done.summary));
        li.appendChild(element("span", "outbox-state", done.message + " "));
        var link = element("a", "", words("open"));
        link.href = done.url;
        li.appendChild(link);
        list.appendChild(li);
      });
    });
  }

  // --- correcting a refused item ------------------------------------------------------------

  function clearErrors(form) {
    form.querySelectorAll(".outbox-errors").forEach(function (node) { node.remove(); });
  }

  function showErrors(form, errors) {
    Object.keys(errors).forEach(function (key) {
      var field = key ? form.querySelector('[name="' + key + '"]') : null;
      if (!field && key) field = form.querySelector('[name^="' + key + '-"]'); // a row as a whole
      var place = field ? field.closest("fieldset.field, .field, td") || field.parentElement : form;
      var list = element("ul", "errorlist outbox-errors");
      list.setAttribute("role", "alert");
      errors[key].forEach(function (reason) { list.appendChild(element("li", "", reason)); });
      if (place === form) form.insertBefore(list, form.firstElementChild);
      else place.appendChild(list);
    });
  }

  function choose(form, name, value) {
    var radios = form.querySelectorAll('input[type=radio][name="' + name + '"]');
    var match = Array.prototype.find.call(radios, function (r) { return r.value === value; });
    var kept = document.getElementById("party-all");
    if (!match && name === "party" && kept) { // the chosen person, from the names kept in the page
      var option = Array.prototype.find.call(kept.content.querySelectorAll("input"), function (r) {
        return r.value === value;
      });
      if (option) {
        var list = element("ul", "choices");
        list.appendChild(option.closest("li").cloneNode(true));
        document.getElementById("party-results").replaceChildren(list);
        match = list.querySelector("input");
      }
    }
    if (match) match.checked = true;
  }

  function fill(form, item) {
    var total = item.fields.find(function (f) { return f[0] === "rows-TOTAL_FORMS"; });
    var rows = document.getElementById("id_rows-TOTAL_FORMS");
    while (total && rows && parseInt(rows.value, 10) < parseInt(total[1], 10) && window.CommunityMapOffline) {
      window.CommunityMapOffline.addSheetRow();
    }
    // a ticked box is a posted field, an unticked one is none ("present" on the meeting ledger)
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = item.fields.some(function (f) { return f[0] === box.name && f[1] === box.value; });
    });
    item.fields.forEach(function (field) {
      var name = field[0];
      var value = field[1];
      var input = form.querySelector('[name="' + name + '"]');
      if (!input || input.type === "checkbox") return;
      if (input.type === "radio") choose(form, name, value);
      else input.value = value;
    });
    clearErrors(form);
    showErrors(form, item.errors || {});
    form.setAttribute("data-outbox-fixing", item.id);
    body.setAttribute("data-outbox-filled", item.id);
  }

  function fixFromAddress() {
    var hash = window.location.hash;
    if (hash.indexOf("#outbox=") !== 0) return Promise.resolve();
    var id = decodeURIComponent(hash.slice("#outbox=".length));
    return get(id).then(function (item) {
      if (!item || item.owner !== user) return;
      var form = document.querySelector('form[data-outbox="' + item.url + '"]');
      if (form) fill(form, item);
    });
  }

  // --- logging out ----------------------------------------------------------------------------

  window.CommunityMapOutbox = {
    /* Logging out with items not sent asks first; they stay, hidden, for this user's next login. */
    beforeLogout: function () {
      return mine().then(function (items) {
        if (!items.length) return true;
        return window.confirm(words("logout-ask").replace("{n}", String(items.length)));
      }, function () { return true; });
    },
  };

  if (panel && user && window.indexedDB) {
    fixFromAddress().then(flush);
  }
})();
