/* minimomen login page: posts the form as JSON (with the CSRF double submit) and
   goes back where the visitor came from; messages are shown as text. */
(function () {
  "use strict";

  const form = document.querySelector("form[data-mm-login]");
  if (!form) return;
  const errorBox = form.querySelector(".mm-auth__error");
  const buttons = form.querySelectorAll("button[type=submit]");

  function readCookie(name) {
    for (const part of document.cookie.split(";")) {
      const [key, ...rest] = part.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return null;
  }

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const register = event.submitter ? event.submitter.value === "register" : false;
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    if (!username || !password) {
      showError("Enter a username and a password.");
      (username ? form.elements.password : form.elements.username).focus();
      return;
    }
    const pressed = event.submitter || buttons[0];
    buttons.forEach((b) => { b.disabled = true; });
    pressed.classList.add("is-busy");
    showError(null);
    try {
      const response = await fetch(form.dataset.endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": readCookie("mm_csrf") || "" },
        body: JSON.stringify({ username, password, register, next: form.dataset.next }),
      });
      let body = {};
      try { body = await response.json(); } catch (error) { body = {}; }
      if (response.ok && body.ok) {
        location.assign(body.next || form.dataset.next);
        return;
      }
      showError((body.error && body.error.message) || `Logging in failed (HTTP ${response.status}).`);
    } catch (error) {
      showError("The server could not be reached. Check your connection and try again.");
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      pressed.classList.remove("is-busy");
    }
  });
})();
