/* minimomen: one list on the page. Rows are keyed by id: an update re-binds the row's
   element in place (what the visitor typed and focus stay), new rows are cloned from the
   server-rendered <template>, gone rows are removed. Subscription lists follow the
   server over the page's LiveClient; query lists load on refresh. A list inside an item
   (spec.children: list id -> row field) gets its rows from that item's row: the parent's
   one operation carries them, so the parent's subscription keeps them live too. */
(function (MM) {
  "use strict";

  const { whereValue } = MM.expressions;

  class ListController {
    constructor(runtime, id, el, spec, rows = spec.rows) {
      this.runtime = runtime;
      this.id = id;
      this.el = el;
      this.spec = spec;
      this.itemsEl = el.querySelector(":scope > .mm-list__items");
      this.emptyEl = el.querySelector(":scope > .mm-list__empty");
      this.errorEl = el.querySelector(":scope > .mm-list__error");
      this.template = el.querySelector(":scope > template[data-mm-template]");
      this.unsubscribe = null;
      this.variablesJson = null;
      this.paging = spec.paging || null;
      this.pageNo = 1;
      this.total = spec.total === undefined ? null : spec.total;
      this.baseJson = null;
      this.pagerEl = el.querySelector(":scope > .mm-pager");
      this.rowCount = (rows || []).length;
      const byKey = new Map((rows || []).map((row) => [String(row.id), row]));
      for (const item of this.itemsEl.children) {
        item._mmRow = byKey.get(item.dataset.mmKey) || {};
        this.applyNested(item, item._mmRow, true);
      }
    }

    variables() {
      const values = {};
      const resolve = this.runtime.scopeFor(this.el).resolve;
      const filter = this.spec.filter;
      if (filter && Object.keys(filter).length > 0) values.where = whereValue(filter, resolve);
      for (const [name, nested] of Object.entries(this.spec.nested_filters || {})) values[name] = whereValue(nested, resolve);
      const paging = this.paging;
      if (paging && paging.sort_variable) values.order_by = this.orderBy(this.runtime.vars[paging.sort_variable]);
      const base = JSON.stringify(values);
      if (this.baseJson !== null && base !== this.baseJson) this.pageNo = 1; // a new search starts at page 1
      this.baseJson = base;
      if (paging && paging.page_size) {
        if (paging.pager === "numbered") { values.limit = paging.page_size; values.offset = (this.pageNo - 1) * paging.page_size; }
        else { values.limit = paging.page_size * this.pageNo; values.offset = 0; }
      }
      return values;
    }

    // runtime/pages/paging.py Paging.order_by: "<field>:asc|desc" of a sortable field, else the list's order.
    orderBy(value) {
      const paging = this.paging;
      if (typeof value === "string") {
        const [field, direction = "asc"] = value.split(":");
        if (paging.sortable.includes(field) && (direction === "asc" || direction === "desc")) {
          return field === "id" ? [{ id: direction }] : [{ [field]: direction }, { id: "asc" }];
        }
      }
      return paging.default_order.map(([field, direction]) => ({ [field]: direction }));
    }

    goToPage(number) {
      this.pageNo = Math.max(1, number);
      this.refresh();
    }

    async countRows() {
      if (!this.paging || !this.paging.count) return;
      const variables = JSON.parse(this.variablesJson || "{}");
      const outcome = await this.runtime.graphql(this.paging.count, variables.where ? { where: variables.where } : {});
      const data = (outcome.body && outcome.body.data) || {};
      const found = data[`${this.spec.root}_aggregate`];
      if (found && found.aggregate) { this.total = found.aggregate.count; this.renderPager(); }
    }

    renderPager() {
      const paging = this.paging;
      if (!this.pagerEl || !paging || !paging.page_size) return;
      const make = (label, number, { current = false, disabled = false } = {}) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "mm-button mm-button--secondary mm-pager__button";
        button.textContent = label;
        button.disabled = disabled;
        if (current) button.setAttribute("aria-current", "page");
        button.addEventListener("click", () => this.goToPage(number));
        return button;
      };
      const parts = [];
      if (paging.pager === "numbered") {
        const pages = Math.max(1, Math.ceil((this.total || 0) / paging.page_size));
        if (pages > 1) {
          parts.push(make("Previous", this.pageNo - 1, { disabled: this.pageNo <= 1 }));
          for (let n = 1; n <= pages; n += 1) parts.push(make(String(n), n, { current: n === this.pageNo }));
          parts.push(make("Next", this.pageNo + 1, { disabled: this.pageNo >= pages }));
        }
      } else if (this.rowCount >= paging.page_size * this.pageNo) {
        parts.push(make("Load more", this.pageNo + 1));
      }
      this.pagerEl.replaceChildren(...parts);
      this.pagerEl.hidden = parts.length === 0;
    }

    // The lists inside one item follow the item's row (first paint: adopt the rendered rows).
    applyNested(item, row, firstPaint) {
      for (const [childId, field] of Object.entries(this.spec.children || {})) {
        const el = item.querySelector(`[data-mm="${CSS.escape(childId)}"][data-mm-type="list"]`);
        const spec = (this.runtime.spec.nested || {})[childId];
        if (!el || !spec) continue;
        const rows = Array.isArray(row[field]) ? row[field] : [];
        if (!el._mmList) {
          el._mmList = new ListController(this.runtime, childId, el, spec, firstPaint ? rows : []);
          if (firstPaint) continue;
        }
        el._mmList.apply(rows, false);
      }
    }

    start() {
      this.variablesJson = JSON.stringify(this.variables());
      if (this.spec.operation === "subscription") this.subscribe();
      this.renderPager();
    }

    subscribe() {
      if (this.unsubscribe) this.unsubscribe();
      const payload = { query: this.spec.query, variables: JSON.parse(this.variablesJson) };
      this.unsubscribe = this.runtime.live().subscribe(payload, (result) => this.receive(result), (errors) => this.receive({ errors }));
    }

    // Reload with what the filter's bindings say now (an input may have changed since).
    async refresh() {
      const json = JSON.stringify(this.variables());
      if (this.spec.operation === "subscription") {
        if (json !== this.variablesJson || !this.unsubscribe) { this.variablesJson = json; this.subscribe(); }
        return;
      }
      this.variablesJson = json;
      const outcome = await this.runtime.graphql(this.spec.fetch, JSON.parse(json));
      if (json === this.variablesJson) this.receive(outcome.body || {}); // a later load wins
    }

    variablesChanged() {
      const json = JSON.stringify(this.variables());
      if (json === this.variablesJson) return;
      this.variablesJson = json;
      if (this.spec.operation === "subscription") this.subscribe();
      else this.refresh();
    }

    receive(result) {
      const errors = Array.isArray(result.errors) ? result.errors : [];
      if (errors.length) {
        // The server ended this subscription: let the next Refresh or change start it again.
        if (this.unsubscribe) { this.unsubscribe(); this.unsubscribe = null; }
        this.errorEl.textContent = MM.friendlyError(errors, "list");
        this.errorEl.hidden = false;
        this.emptyEl.hidden = true;
        return;
      }
      const rows = result.data ? result.data[this.spec.root] : null;
      if (Array.isArray(rows)) {
        this.apply(rows);
        this.rowCount = rows.length;
        if (this.paging && this.paging.count) this.countRows();
        else this.renderPager();
      }
    }

    apply(rows, bind = true) {
      const active = document.activeElement;
      const focused = active && this.el.contains(active) ? active : null;
      let selection = null;
      if (focused && typeof focused.selectionStart === "number") selection = [focused.selectionStart, focused.selectionEnd];
      const existing = new Map();
      for (const child of this.itemsEl.children) existing.set(child.dataset.mmKey, child);
      rows.forEach((row, index) => {
        const key = String(row.id);
        let item = existing.get(key);
        if (item) existing.delete(key);
        else item = this.createItem(key);
        item._mmRow = row;
        this.applyNested(item, row, false);
        const current = this.itemsEl.children[index];
        if (current !== item) this.itemsEl.insertBefore(item, current || null);
        if (bind) this.runtime.bindAll(item); // a nested list's items are bound with its parent's item
      });
      for (const stale of existing.values()) stale.remove();
      this.errorEl.hidden = true;
      this.emptyEl.hidden = rows.length > 0;
      if (focused && focused.isConnected && document.activeElement !== focused) {
        focused.focus();
        if (selection) { try { focused.setSelectionRange(selection[0], selection[1]); } catch (error) { /* not a text field */ } }
      }
    }

    createItem(key) {
      const item = this.template.content.firstElementChild.cloneNode(true);
      item.dataset.mmKey = key;
      return item;
    }
  }

  MM.ListController = ListController;
})(window.MiniMomen = window.MiniMomen || {});
