/* minimomen: the file / image picker. Choosing a file uploads it at once to
   /p/<slug>/files/upload (multipart, with the CSRF double submit) while a progress bar
   moves; the answer's id becomes the input's value (the hidden [data-mm-control]) and
   an image shows its preview. Errors (too large, wrong type …) show at the input. */
(function (MM) {
  "use strict";

  function readCookie(name) {
    for (const part of document.cookie.split(";")) {
      const [key, ...rest] = part.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return null;
  }

  // Shows what the input holds: a stored file's object, an id, or nothing.
  function show(field, value) {
    const control = field.querySelector("[data-mm-control]");
    const preview = field.querySelector(".mm-file__preview");
    const name = field.querySelector(".mm-file__name");
    const isObject = value && typeof value === "object";
    control.value = isObject ? String(value.id) : (value === null || value === undefined ? "" : String(value));
    const kind = field.querySelector(".mm-file").dataset.mmFileKind;
    const url = isObject ? value.url : null;
    if (preview) {
      if (kind === "image" && url && /^\/(?!\/)/.test(url)) { preview.src = url; preview.hidden = false; } else if (!control.value) { preview.removeAttribute("src"); preview.hidden = true; }
      if (isObject) preview.alt = value.filename || "";
    }
    if (name) name.textContent = isObject ? (value.filename || "") : (control.value ? name.textContent : "");
  }

  function upload(field, file) {
    const kind = field.querySelector(".mm-file").dataset.mmFileKind;
    const progress = field.querySelector(".mm-file__progress");
    const form = new FormData();
    form.append("kind", kind);
    form.append("file", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", `${MM.page.spec.base}/files/upload`);
    const csrf = readCookie("mm_csrf");
    if (csrf) request.setRequestHeader("x-csrf-token", csrf);
    field.dataset.mmUploading = "1";
    MM.inputs.showInputError(field, null);
    progress.value = 0;
    progress.hidden = false;
    request.upload.addEventListener("progress", (event) => { if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100); });
    request.addEventListener("loadend", () => {
      delete field.dataset.mmUploading;
      progress.hidden = true;
      let answer = null;
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
      if (request.status === 200 && answer && answer.id) {
        show(field, answer);
        field.dispatchEvent(new Event("change", { bubbles: true }));
      } else {
        const message = (answer && answer.error && answer.error.message) || "The upload failed; try again.";
        MM.inputs.showInputError(field, message);
      }
    });
    request.send(form);
  }

  document.addEventListener("change", (event) => {
    const picker = event.target;
    if (!(picker instanceof HTMLInputElement) || !picker.matches("input[data-mm-file]")) return;
    const field = picker.closest(".mm-field");
    event.stopImmediatePropagation();  // the input changes when the upload is done, not when a file is chosen
    if (field && picker.files && picker.files[0]) upload(field, picker.files[0]);
  });

  MM.files = { show };
})(window.MiniMomen = window.MiniMomen || {});
