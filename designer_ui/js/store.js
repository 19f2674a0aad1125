// The open project: its draft definition, autosave to app.json, undo, validation report.
import { api, projectUrl } from './api.js';
import { toast } from './dom.js';

const SAVE_DELAY_MS = 400;
const WATCH_MS = 1000; // how often the open project asks whether app.json changed elsewhere (MCP, another tab)

export class ProjectStore {
  constructor(slug) {
    this.slug = slug;
    this.def = null;
    this.report = { ok: true, problems: [] };
    this.history = 0;
    this.redoable = 0;
    this.status = 'saved'; // saved | unsaved | saving | error
    this.saveError = null;
    this.dirty = false;
    this.listeners = new Set();
    this.statusListeners = new Set();
    this.timer = null;
    this.saving = null;
    this.registry = null;
    this.revision = null;
    this.watcher = null;
  }

  // Changes saved elsewhere (an AI assistant over MCP, another tab) appear here live, unless a local change is pending.
  watch() {
    clearInterval(this.watcher);
    this.watcher = setInterval(() => this.checkRevision(), WATCH_MS);
  }

  unwatch() { clearInterval(this.watcher); this.watcher = null; }

  async checkRevision() {
    if (this.dirty || this.saving || this.checking) return;
    this.checking = true;
    try {
      const { revision } = await api('GET', projectUrl(this.slug, '/revision'));
      if (revision !== this.revision && !this.dirty && !this.saving) {
        this.accept(await api('GET', projectUrl(this.slug, '/definition')));
      }
    } catch { /* offline for a moment: the next tick asks again */ } finally {
      this.checking = false;
    }
  }

  async load() {
    const [state, registry] = await Promise.all([api('GET', projectUrl(this.slug, '/definition')), api('GET', '/api/registry')]);
    this.registry = registry;
    this.accept(state);
  }

  accept(state) {
    this.def = state.definition;
    this.report = state.report;
    this.history = state.history;
    this.redoable = state.redo || 0;
    this.revision = state.revision;
    this.dirty = false;
    this.status = 'saved';
    this.saveError = null;
    this.emit();
  }

  onChange(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  onStatus(fn) { this.statusListeners.add(fn); return () => this.statusListeners.delete(fn); }
  emit() { for (const fn of this.listeners) fn(); this.emitStatus(); }
  emitStatus() { for (const fn of this.statusListeners) fn(); }

  // A change being checked before it reaches the draft (a page move): not "saved" until it lands or is refused.
  holdStatus() { this.status = 'unsaved'; this.emitStatus(); }
  releaseStatus() {
    if (this.saving) return; // the change is being saved: the save says how it went
    this.status = this.saveError ? 'error' : this.dirty ? 'unsaved' : 'saved';
    this.emitStatus();
  }

  // Apply a mutation to the draft; it is saved shortly after (autosave).
  change(mutate, { render = true } = {}) {
    mutate(this.def);
    this.dirty = true;
    this.status = 'unsaved';
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    if (render) this.emit(); else this.emitStatus();
  }

  replace(definition) {
    this.change((def) => {
      for (const key of Object.keys(def)) delete def[key];
      Object.assign(def, definition);
    });
  }

  async save() {
    clearTimeout(this.timer);
    if (this.saving) { await this.saving; }
    if (!this.dirty) return;
    this.dirty = false;
    this.status = 'saving';
    this.emitStatus();
    const snapshot = JSON.parse(JSON.stringify(this.def));
    this.saving = api('PUT', projectUrl(this.slug, '/definition'), { definition: snapshot, base_revision: this.revision })
      .then((state) => {
        this.reportChanged = JSON.stringify(state.report) !== JSON.stringify(this.report);
        this.report = state.report;
        this.history = state.history;
        this.redoable = state.redo || 0;
        this.revision = state.revision;
        this.saveError = null;
        this.status = this.dirty ? 'unsaved' : 'saved';
      })
      .catch(async (error) => {
        if (error.code === 'CHANGED_ELSEWHERE') {
          // Someone else saved first: show their version rather than overwrite it.
          this.reportChanged = true;
          this.accept(await api('GET', projectUrl(this.slug, '/definition')));
          toast(error.message, 'error');
          return;
        }
        // Not saved: keep the draft, say why, try again on the next change.
        this.reportChanged = true;
        this.dirty = true;
        this.status = 'error';
        this.saveError = error;
        if (error.problems && error.problems.length) this.report = { ok: false, problems: error.problems };
      })
      .finally(() => {
        this.saving = null;
        // Only redraw when the problems changed: a redraw must not race the builder's typing.
        if (this.reportChanged) this.emit(); else this.emitStatus();
        if (this.dirty && this.status !== 'error') this.save();
      });
    await this.saving;
  }

  // Save now and wait; true when the draft is on disk.
  async flush() {
    clearTimeout(this.timer);
    for (let i = 0; i < 5 && (this.dirty || this.saving); i += 1) {
      if (this.saving) await this.saving;
      else await this.save();
      if (this.status === 'error') return false;
    }
    return !this.dirty;
  }

  async undo() { await this.step('/undo'); }

  // Forward again to what the last Undo left (until the next change).
  async redo() { await this.step('/redo'); }

  // Undo / Redo: "Saving…" until the server has moved app.json, so "All changes saved" always
  // describes the version on disk; a refusal (nothing to undo) puts the status back.
  async step(route) {
    await this.flush();
    this.status = 'saving';
    this.emitStatus();
    try {
      this.accept(await api('POST', projectUrl(this.slug, route)));
    } catch (error) {
      this.status = this.saveError ? 'error' : this.dirty ? 'unsaved' : 'saved';
      this.emitStatus();
      throw error;
    }
  }

  problemsFor(predicate) {
    return (this.report.problems || []).filter((p) => predicate(p.location || {}, p));
  }
}
