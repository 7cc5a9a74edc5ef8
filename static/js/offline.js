/* Working with no signal, on the page's side (the service worker is static/js/sw.js).
 *
 * - Registers the service worker and tells it, on every page shown online, whose page this
 *   is (body[data-offline-user], a keyed hash: empty when logged out) and its language; the
 *   worker then keeps the pages this user may open offline, or forgets another user's.
 *   When it is done, body gets data-offline-ready (tests and curious people can wait on it).
 * - Logging out first asks the worker to forget the kept pages.
 * - With no signal: a note says so (and, on a kept page, as of when it is); the log form's
 *   name search filters the names kept in the page; requests that only help while typing
 *   (amount and date read-backs) are not sent; the meeting sheet adds rows by itself.
 * Words come from data attributes on <body> (templates/base.html, translated there).
 */
(function () {
  "use strict";

  var body = document.body;
  var user = body.getAttribute("data-offline-user") || "";

  function words(name) {
    return body.getAttribute("data-msg-" + name) || "";
  }

  // --- the service worker ---------------------------------------------------------------------

  function tellWorker(message) {
    if (!("serviceWorker" in navigator)) return Promise.resolve(null);
    return navigator.serviceWorker.ready.then(function (registration) {
      var worker = registration.active;
      if (!worker) return null;
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          resolve(event.data);
        };
        worker.postMessage(message, [channel.port2]);
      });
    });
  }

  if ("serviceWorker" in navigator && body.hasAttribute("data-sw")) {
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/" }).catch(function () {
      return null; // no worker (an old browser, a private window): the site works online as before
    });
    if (navigator.onLine) {
      tellWorker({ type: "page", user: user, lang: document.documentElement.lang }).then(function () {
        body.setAttribute("data-offline-ready", "1");
      });
    }
  }

  // Logging out: the kept pages go first (the server also clears the browser's cache).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("logout") || form.hasAttribute("data-cleared")) return;
    event.preventDefault();
    var go = function () {
      form.setAttribute("data-cleared", "1");
      form.submit();
    };
    var ask = window.CommunityMapOutbox ? window.CommunityMapOutbox.beforeLogout() : Promise.resolve(true);
    ask.then(function (agreed) {
      if (!agreed) return;
      // A worker that does not answer (being replaced) must not keep the person logged in.
      var timer = window.setTimeout(go, 3000);
      tellWorker({ type: "logout" }).then(function () {
        window.clearTimeout(timer);
        go();
      });
    });
  }, true);

  // --- no signal ------------------------------------------------------------------------------

  var note = document.getElementById("offline-note");

  function showSignal() {
    if (!note) return;
    if (navigator.onLine) {
      note.hidden = true;
      note.textContent = "";
      body.classList.remove("is-offline");
      return;
    }
    body.classList.add("is-offline");
    note.hidden = false;
    note.textContent = shownWhileOffline
      ? words("asof").replace("{time}", body.getAttribute("data-shown-at") || "")
      : words("nosignal");
  }

  // A page opened with no signal comes from what the phone kept: say as of when.
  var shownWhileOffline = !navigator.onLine;
  window.addEventListener("online", showSignal);
  window.addEventListener("offline", showSignal);
  showSignal();

  // The name search of the log form, from the names kept in the page.
  function filterParties(input) {
    var all = document.getElementById("party-all");
    var results = document.getElementById("party-results");
    if (!all || !results) return;
    var q = input.value.trim().toLowerCase();
    var chosen = results.querySelector("input[name=party]:checked");
    var list = document.createElement("ul");
    list.className = "choices";
    var shown = 0;
    all.content.querySelectorAll("li").forEach(function (item) {
      var value = item.querySelector("input").value;
      var label = item.textContent.toLowerCase();
      var isChosen = chosen && chosen.value === value;
      if (isChosen || (q && label.indexOf(q) !== -1 && shown < 12)) {
        var copy = item.cloneNode(true);
        if (isChosen) copy.querySelector("input").checked = true;
        list.appendChild(copy);
        if (!isChosen) shown += 1;
      }
    });
    results.replaceChildren(list);
  }

  // The sheet's "+ Add a row" with no signal: a copy of the last row, emptied and renumbered.
  function addSheetRow() {
    var rows = document.getElementById("sheet-rows");
    var total = document.getElementById("id_rows-TOTAL_FORMS");
    if (!rows || !total || !rows.lastElementChild) return;
    var index = parseInt(total.value, 10);
    var copy = rows.lastElementChild.cloneNode(true);
    copy.classList.remove("has-errors");
    copy.querySelectorAll(".errorlist").forEach(function (list) { list.remove(); });
    copy.querySelectorAll("[name], [id], [for]").forEach(function (field) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = field.getAttribute(attr);
        if (value) field.setAttribute(attr, value.replace(/rows-\d+-/, "rows-" + index + "-"));
      });
      if (field.tagName === "SELECT") field.selectedIndex = 0;
      else if (field.tagName === "INPUT" || field.tagName === "TEXTAREA") field.value = "";
    });
    copy.querySelectorAll("output").forEach(function (out) { out.textContent = ""; });
    rows.appendChild(copy);
    total.value = String(index + 1);
  }

  window.CommunityMapOffline = { addSheetRow: addSheetRow }; // the outbox refills long sheets

  // Before htmx sends anything with no signal (runs before forms.js, which would mark the
  // form busy): helpers while typing are skipped, the name search and adding a row are done here.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (navigator.onLine) return;
    var elt = event.detail.elt;
    var verb = ((event.detail.requestConfig && event.detail.requestConfig.verb) || "").toLowerCase();
    if (elt.id === "party-q" || elt.id === "party-search") {
      filterParties(document.getElementById("party-q"));
    } else if (elt.closest && elt.closest("#sheet") && elt.getAttribute("hx-get") && elt.tagName === "BUTTON") {
      addSheetRow();
    } else if (verb !== "get") {
      return; // a form being sent: the outbox (or forms.js) takes it
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);
})();
