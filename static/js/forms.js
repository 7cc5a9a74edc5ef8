/* Every form answers, and sends once.
 *
 * While a form is being sent (htmx or a plain post) it is marked busy: its buttons are
 * disabled, aria-busy is set and "Sending..." shows; a second click sends nothing. When an
 * htmx request fails (no network, or the server answers 4xx/5xx) the person is told, in the
 * page's language, that nothing was saved and that their entries are still there.
 * The words come from data attributes on <body> (templates/base.html, translated there).
 * The server keeps its own guard: every create form carries a one-time token.
 */
(function () {
  "use strict";

  function words(name) {
    return document.body.getAttribute("data-msg-" + name) || "";
  }

  function formOf(elt) {
    if (!elt || !elt.closest) return null;
    return elt.tagName === "FORM" ? elt : elt.closest("form");
  }

  function statusOf(region) {
    var status = region.querySelector(":scope > .form-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "form-status";
      var actions = region.querySelector(":scope > .actions");
      region.insertBefore(status, actions);
    }
    return status;
  }

  function say(region, text, kind) {
    var status = statusOf(region);
    status.textContent = text;
    status.className = "form-status form-status-" + kind;
    status.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  function setBusy(form, busy) {
    form.classList.toggle("is-busy", busy);
    if (busy) {
      form.setAttribute("aria-busy", "true");
      form.setAttribute("data-busy", "1");
    } else {
      form.removeAttribute("aria-busy");
      form.removeAttribute("data-busy");
    }
    form.querySelectorAll("button, input[type=submit]").forEach(function (button) {
      button.disabled = busy;
    });
  }

  // htmx: busy while a form's request is in flight (searches and row fetches are GETs and
  // leave the form usable).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event.detail.elt);
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "";
    if (!form || verb.toLowerCase() === "get") return;
    if (form.hasAttribute("data-busy")) {
      event.preventDefault(); // already sending this form
      return;
    }
    setBusy(form, true);
    say(form, words("sending"), "busy");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = formOf(event.detail.elt);
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) return; // saved: the next page is loading
    if (form && form.hasAttribute("data-busy")) {
      setBusy(form, false);
      var status = form.querySelector(":scope > .form-status-busy");
      if (status) status.remove();
    }
  });

  function failed(event, message) {
    var elt = event.detail.elt;
    var region = formOf(elt) || (elt && elt.parentElement);
    if (region) say(region, message, "error");
  }

  document.addEventListener("htmx:sendError", function (event) {
    failed(event, words("offline"));
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var message = words("failed").replace("{status}", xhr ? String(xhr.status) : "?");
    failed(event, message);
  });

  document.addEventListener("htmx:timeout", function (event) {
    failed(event, words("offline"));
  });

  // Plain posts: the first submit goes, a second one while the page loads is dropped.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.hasAttribute("data-busy")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-busy", "1");
    form.classList.add("is-busy");
    form.setAttribute("aria-busy", "true");
    if (form.querySelector(":scope > .actions")) say(form, words("sending"), "busy");
  });

  // Back to a page kept in the browser's memory: its forms can be used again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      setBusy(form, false);
      var status = form.querySelector(":scope > .form-status-busy");
      if (status) status.remove();
    });
  });
})();
