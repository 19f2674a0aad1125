/* minimomen page runtime: keeps a server-rendered page live and runs its actions.
   Reads the page spec (inert JSON rendered by the server), binds components, keeps
   subscription lists in sync over the GraphQL WebSocket, and runs event chains. */
(function (MM) {
  "use strict";

  const { lookup } = MM.expressions;
  const { readInput, showInputError, writeInput } = MM.inputs;
  const INPUT_TYPES = ".mm-field[data-mm]";
  const TOAST_MS = { info: 4000, success: 4000, error: 6000 };

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function readCookie(name) {
    for (const part of document.cookie.split(";")) {
      const [key, ...rest] = part.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return null;
  }

  MM.readCookie = readCookie;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  class PageRuntime {
    constructor(spec) {
      this.spec = spec;
      this.vars = Object.assign({}, spec.variables);
      this.globals = spec.globals || {};
      this.lists = new Map();
      this.records = new Map();
      this.params = spec.params || {};
      this.client = null;
      this.toasts = document.querySelector(".mm-toasts");
      this.statusEl = document.querySelector(".mm-live-status");
      this.offlineTimer = null;
    }

    start() {
      document.querySelectorAll(INPUT_TYPES).forEach((el) => { el.dataset.mmReady = "1"; });
      for (const [id, recordSpec] of Object.entries(this.spec.records || {})) {
        const el = document.querySelector(`[data-mm="${CSS.escape(id)}"][data-mm-type="container"]`);
        if (el) this.records.set(id, new MM.RecordController(this, id, el, recordSpec));
      }
      for (const [id, listSpec] of Object.entries(this.spec.lists || {})) {
        const el = document.querySelector(`[data-mm="${CSS.escape(id)}"][data-mm-type="list"]`);
        if (el) this.lists.set(id, new MM.ListController(this, id, el, listSpec));
      }
      this.bindAll(document);
      document.addEventListener("click", (event) => this.onClick(event));
      document.addEventListener("input", (event) => this.onInput(event));
      document.addEventListener("change", (event) => this.onChange(event));
      for (const record of this.records.values()) record.start();
      for (const list of this.lists.values()) list.start();
      document.documentElement.dataset.mmReady = "1";
    }

    // --- bindings -------------------------------------------------------------------
    scopeFor(el, extra = {}) {
      const runtime = this;
      const itemEl = el.closest(".mm-item");
      return {
        resolve(path) {
          const dot = path.indexOf(".");
          const root = dot < 0 ? path : path.slice(0, dot);
          const rest = dot < 0 ? "" : path.slice(dot + 1);
          const within = (value) => (rest ? lookup(value === undefined ? null : value, rest) : value === undefined ? null : value);
          switch (root) {
            case "item": return within(itemEl ? itemEl._mmRow : null);
            case "page": return within(runtime.vars);
            case "param": return within(runtime.params);
            case "record": {
              const dot2 = rest.indexOf(".");
              const id = dot2 < 0 ? rest : rest.slice(0, dot2);
              const record = runtime.records.get(id);
              const row = record ? record.row : null;
              if (row === null || row === undefined) return null;
              return dot2 < 0 ? row : lookup(row, rest.slice(dot2 + 1));
            }
            case "global": return within(runtime.globals);
            case "result": return within(extra.result);
            case "error": return within(extra.error);
            case "component": {
              const [id, key] = rest.split(".");
              const field = runtime.findField(el, id);
              return field && key === "value" ? readInput(field, runtime.spec.components[id] || {}).value : null;
            }
            default: return null;
          }
        },
      };
    }

    findField(origin, id) {
      const selector = `[data-mm="${CSS.escape(id)}"]`;
      const itemEl = origin.closest(".mm-item");
      return (itemEl && itemEl.querySelector(selector)) || document.querySelector(selector);
    }

    bindAll(root) {
      for (const el of root.querySelectorAll("[data-mm]")) {
        const spec = this.spec.components[el.dataset.mm];
        const binder = MM.components[el.dataset.mmType];
        if (spec && binder) binder(el, spec, this.scopeFor(el));
      }
    }

    // --- events ---------------------------------------------------------------------
    async onClick(event) {
      const button = event.target.closest('[data-mm-type="button"]');
      if (!button || button.disabled || button.dataset.mmBusy) return;
      // The 2nd click of a double click (detail 2) is not a new press: the busy flag alone
      // misses it when the first action has already finished (a fast server, a slow hand).
      if (event.detail > 1) return;
      const chain = ((this.spec.components[button.dataset.mm] || {}).events || {}).onClick;
      if (!chain || !chain.length) return;
      button.dataset.mmBusy = "1";
      button.disabled = true;
      button.classList.add("is-busy");
      button.setAttribute("aria-busy", "true");
      try {
        await this.runEvent(button, chain);
      } finally {
        delete button.dataset.mmBusy;
        button.disabled = false;
        button.classList.remove("is-busy");
        button.removeAttribute("aria-busy");
      }
    }

    onInput(event) {
      const field = event.target.closest(INPUT_TYPES);
      if (!field || !event.target.hasAttribute("aria-invalid")) return;
      const checked = readInput(field, this.spec.components[field.dataset.mm] || {});
      if (!checked.error) showInputError(field, null);
    }

    async onChange(event) {
      const field = event.target.closest(INPUT_TYPES);
      if (!field) return;
      const spec = this.spec.components[field.dataset.mm] || {};
      const checked = readInput(field, spec);
      showInputError(field, checked.error);
      const chain = (spec.events || {}).onChange;
      if (!checked.error && chain && chain.length) await this.runEvent(field, chain);
    }

    // Checks the inputs a chain reads (inline messages), then runs it.
    async runEvent(origin, chain) {
      let invalid = null;
      for (const id of MM.actions.inputRefs(chain)) {
        const field = this.findField(origin, id);
        if (!field) continue;
        const checked = readInput(field, this.spec.components[id] || {});
        showInputError(field, checked.error);
        if (checked.error && !invalid) invalid = field;
      }
      if (invalid) {
        const control = invalid.querySelector("[data-mm-control]");
        if (control) control.focus();
        return;
      }
      try {
        await MM.actions.runChain(chain, this.context(origin, {}, newKey()));
      } catch (error) {
        console.error("minimomen action failed", error);
        this.toast("Something went wrong: " + (error && error.message ? error.message : String(error)), "error");
      }
    }

    context(origin, extra, key) {
      const runtime = this;
      return {
        runtime,
        key,
        origin,
        resolve: this.scopeFor(origin, extra).resolve,
        with(more) { return runtime.context(origin, Object.assign({}, extra, more), key); },
      };
    }

    // --- services used by actions ---------------------------------------------------
    toast(message, level = "info") {
      const toast = document.createElement("div");
      toast.className = `mm-toast mm-toast--${level}`;
      toast.setAttribute("role", level === "error" ? "alert" : "status");
      toast.textContent = message;
      this.toasts.append(toast);
      while (this.toasts.children.length > 4) this.toasts.firstElementChild.remove();
      setTimeout(() => {
        toast.classList.add("is-leaving");
        setTimeout(() => toast.remove(), 250);
      }, TOAST_MS[level] || TOAST_MS.info);
    }

    async graphql(query, variables, { idempotencyKey = null, retries = 0 } = {}) {
      const headers = { "content-type": "application/json", accept: "application/json" };
      const csrf = readCookie("mm_csrf");
      if (csrf) headers["x-csrf-token"] = csrf;
      if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
      const body = JSON.stringify({ query, variables });
      for (let attempt = 0; ; attempt += 1) {
        try {
          const response = await fetch(`${this.spec.base}/graphql`, { method: "POST", headers, body, credentials: "same-origin" });
          let parsed = {};
          try { parsed = await response.json(); } catch (error) { parsed = {}; }
          if (response.status === 409 && idempotencyKey && attempt < retries + 3) { await sleep(400); continue; }
          return { status: response.status, body: parsed };
        } catch (error) {
          if (attempt >= retries) throw error;
          await sleep(400 * (attempt + 1)); // same key: the server runs the flow at most once
        }
      }
    }

    live() {
      if (!this.client) {
        const scheme = location.protocol === "https:" ? "wss:" : "ws:";
        this.client = new MM.LiveClient(`${scheme}//${location.host}${this.spec.base}/graphql`, { onStatus: (status) => this.liveStatus(status) });
      }
      return this.client;
    }

    liveStatus(status) {
      document.documentElement.dataset.mmLive = status;
      if (status === "expired") {
        clearTimeout(this.offlineTimer);
        if (this.statusEl) {
          this.statusEl.textContent = "Your session has ended. Reload the page to continue.";
          this.statusEl.hidden = false;
        }
      } else if (status === "online") {
        clearTimeout(this.offlineTimer);
        this.offlineTimer = null;
        if (this.statusEl) this.statusEl.hidden = true;
      } else if (!this.offlineTimer) {
        this.offlineTimer = setTimeout(() => { if (this.statusEl) this.statusEl.hidden = false; }, 1500);
      }
    }

    setVariable(name, value) {
      this.vars[name] = value;
      this.dataChanged();
    }

    // Something bindings read changed: re-bind, and reload what depends on it.
    dataChanged() {
      this.bindAll(document);
      for (const record of this.records.values()) record.variablesChanged();
      for (const list of this.lists.values()) list.variablesChanged();
    }

    // Parameters travel in the query string: shareable, bookmarkable links.
    navigate(pageId, params = {}) {
      const base = this.spec.pages[pageId];
      if (!base) return;
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(params)) {
        if (value !== null && value !== undefined && value !== "") query.set(name, typeof value === "string" ? value : MM.expressions.text(value));
      }
      const text = query.toString();
      location.assign(text ? `${base}?${text}` : base);
    }

    goBack() {
      const sameSite = document.referrer && new URL(document.referrer).origin === location.origin;
      if (history.length > 1 && sameSite) history.back();
      else location.assign(this.spec.home || this.spec.base + "/");
    }

    // The inputs of `ids` (all of the page when empty) back to their defaults, messages cleared.
    resetInputs(ids, origin) {
      const fields = ids && ids.length ? ids.map((id) => this.findField(origin, id)).filter(Boolean) : [...document.querySelectorAll(INPUT_TYPES)];
      for (const field of fields) {
        const spec = this.spec.components[field.dataset.mm] || {};
        writeInput(field, spec, MM.safeValue(this.scopeFor(field), spec.default));
        showInputError(field, null);
      }
    }

    setInputValue(id, value, origin) {
      const field = this.findField(origin, id);
      if (!field) return;
      writeInput(field, this.spec.components[id] || {}, value);
      showInputError(field, null);
    }

    goToLogin() {
      location.assign(`${this.spec.base}/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    }

    async logout() {
      const headers = {};
      const csrf = readCookie("mm_csrf");
      if (csrf) headers["x-csrf-token"] = csrf;
      await fetch(`${this.spec.base}/logout`, { method: "POST", headers, credentials: "same-origin" });
      location.reload();
    }

    async refresh(componentId) {
      const all = [...this.records.values(), ...this.lists.values()];
      const targets = componentId ? [this.records.get(componentId) || this.lists.get(componentId)].filter(Boolean) : all;
      await Promise.all(targets.map((target) => target.refresh()));
    }
  }

  const source = document.getElementById("mm-page");
  if (source) {
    MM.page = new PageRuntime(JSON.parse(source.textContent));
    MM.page.start();
  }
})(window.MiniMomen = window.MiniMomen || {});
