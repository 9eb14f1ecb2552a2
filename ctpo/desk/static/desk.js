// The examiner's desk: partial page updates for forms marked data-partial="#target-id".
// Without this script every form still works as a plain form (the server answers with a whole page);
// with it, the form is sent with fetch and only the target is replaced, the rest of the page (and the
// keyboard focus) stays where it was; forms marked data-push-url also put their query in the address bar.
// No library, no build step.
(function () {
  "use strict";

  function announce(html) {
    var flash = document.getElementById("flash");
    if (flash) { flash.innerHTML = html; }
  }

  async function submitPartial(form, submitter) {
    var target = document.querySelector(form.getAttribute("data-partial"));
    var method = (form.getAttribute("method") || "get").toUpperCase();
    var data = new FormData(form, submitter || undefined);
    var url = form.action;
    var init = { method: method, headers: { "X-Desk-Partial": "1" }, credentials: "same-origin" };
    if (method === "GET") {
      var query = new URLSearchParams();
      data.forEach(function (value, key) { if (value !== "") { query.append(key, value); } });
      url = form.action.split("?")[0] + (query.toString() ? "?" + query.toString() : "");
    } else {
      init.body = new URLSearchParams(data);
    }
    if (submitter) { submitter.disabled = true; }
    form.setAttribute("aria-busy", "true");
    try {
      var response = await fetch(url, init);
      if (response.redirected && new URL(response.url).pathname === "/desk/login") {
        window.location.assign(response.url);
        return;
      }
      var html = await response.text();
      if (!response.ok) { announce(html); return; }
      var holder = document.createElement("template");
      holder.innerHTML = html.trim();
      var fresh = holder.content.firstElementChild;
      if (!fresh || !target) { return; }
      announce("");
      target.replaceWith(fresh);
      if (form.hasAttribute("data-push-url")) { history.replaceState(null, "", url); }
      fresh.focus({ preventScroll: method !== "GET" });
    } catch (error) {
      var flash = document.getElementById("flash");
      var note = document.createElement("p");
      note.className = "notice error";
      note.setAttribute("role", "alert");
      note.textContent = error && error.message ? error.message : "Network error";
      if (flash) { flash.replaceChildren(note); }
    } finally {
      if (submitter && submitter.isConnected) { submitter.disabled = false; }
      form.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-partial")) { return; }
    if (!document.querySelector(form.getAttribute("data-partial"))) { return; }
    event.preventDefault();
    submitPartial(form, event.submitter);
  });
}());
