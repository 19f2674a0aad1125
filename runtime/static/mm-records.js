/* minimomen: a container that loads one record (runtime/pages/records.py is the server side).
   The row is bound as record.<container id>.*; without a row the container shows its
   not-found children. A subscription record stays live; a query record loads again on
   Refresh or when what its id / filter reads changes. A null id means not found. */
(function (MM) {
  "use strict";

  const { whereValue, evaluate } = MM.expressions;
  const ACCESS = new Set(["TABLE_ACCESS", "PERMISSION_DENIED", "FORBIDDEN"]);

  // runtime/pages/records.py friendly_error: visitors never see raw permission errors.
  MM.friendlyError = function friendlyError(errors, what) {
    const first = (errors && errors[0]) || {};
    const code = first.extensions && first.extensions.code;
    if (ACCESS.has(code) || /no permission/.test(String(first.message || ""))) {
      return what === "list" ? "You don't have access to these rows." : "You don't have access to this.";
    }
    return `Could not load this ${what}: ` + String(first.message || "unknown error");
  };

  class RecordController {
    constructor(runtime, id, el, spec) {
      this.runtime = runtime;
      this.id = id;
      this.el = el;
      this.spec = spec;
      this.row = spec.row === undefined ? null : spec.row;
      this.foundEl = el.querySelector(":scope > .mm-record__found");
      this.missingEl = el.querySelector(":scope > .mm-record__missing");
      this.errorEl = el.querySelector(":scope > .mm-record__missing > .mm-record__error");
      this.unsubscribe = null;
      this.variablesJson = null;
    }

    // null: the id is empty, so there is nothing to load.
    variables() {
      const resolve = this.runtime.scopeFor(this.el).resolve;
      if (this.spec.row_id !== null && this.spec.row_id !== undefined) {
        let id = null;
        try { id = evaluate(this.spec.row_id, resolve); } catch (error) { id = null; }
        if (id === null || id === undefined || id === "") return null;
      }
      const filter = this.spec.filter;
      return filter && Object.keys(filter).length ? { where: whereValue(filter, resolve) } : {};
    }

    start() {
      this.variablesJson = JSON.stringify(this.variables());
      if (this.spec.operation === "subscription") this.subscribe();
    }

    subscribe() {
      if (this.unsubscribe) { this.unsubscribe(); this.unsubscribe = null; }
      const variables = JSON.parse(this.variablesJson);
      if (variables === null) { this.show(null, null); return; }
      const payload = { query: this.spec.query, variables };
      this.unsubscribe = this.runtime.live().subscribe(payload, (result) => this.receive(result), (errors) => this.receive({ errors }));
    }

    async refresh() {
      const json = JSON.stringify(this.variables());
      if (this.spec.operation === "subscription") {
        if (json !== this.variablesJson || !this.unsubscribe) { this.variablesJson = json; this.subscribe(); }
        return;
      }
      this.variablesJson = json;
      const variables = JSON.parse(json);
      if (variables === null) { this.show(null, null); return; }
      const outcome = await this.runtime.graphql(this.spec.fetch, variables);
      if (json === this.variablesJson) this.receive(outcome.body || {});
    }

    variablesChanged() {
      const json = JSON.stringify(this.variables());
      if (json === this.variablesJson) return;
      this.refresh();
    }

    receive(result) {
      const errors = Array.isArray(result.errors) ? result.errors : [];
      if (errors.length) {
        if (this.unsubscribe) { this.unsubscribe(); this.unsubscribe = null; } // Refresh starts it again
        this.show(null, MM.friendlyError(errors, "record"));
        return;
      }
      const rows = result.data ? result.data[this.spec.root] : null;
      if (Array.isArray(rows)) this.show(rows.length ? rows[0] : null, null);
    }

    show(row, error) {
      const changed = JSON.stringify(row) !== JSON.stringify(this.row);
      this.row = row;
      if (this.foundEl) this.foundEl.hidden = row === null;
      if (this.missingEl) this.missingEl.hidden = row !== null;
      if (this.errorEl) { this.errorEl.textContent = error || ""; this.errorEl.hidden = !error; }
      if (changed) this.runtime.dataChanged();
    }
  }

  MM.RecordController = RecordController;
})(window.MiniMomen = window.MiniMomen || {});
