/* minimomen: action handlers, keyed like builder.pages.ACTION_TYPES.
   A chain runs its actions in order; each handler gets (action, ctx) where ctx holds
   the page runtime, a resolve(path) for bindings, and the click's idempotency key. */
(function (MM) {
  "use strict";

  const { evaluate, holds } = MM.expressions;
  const { plainText } = MM.format;

  function jsonValue(value) {
    return value === undefined ? null : value;
  }

  function firstError(body, status) {
    const errors = (body && body.errors) || [];
    if (errors.length) return String(errors[0].message || "The request failed.");
    if (status === 409) return "This request is already being processed. Please wait a moment.";
    if (status >= 400) return `The request failed (HTTP ${status}).`;
    return null;
  }

  async function callActionflow(action, ctx) {
    const args = {};
    for (const [name, expression] of Object.entries(action.args || {})) args[name] = jsonValue(evaluate(expression, ctx.resolve));
    const mutation = `mutation ($args: JSON) { fz_invoke_action_flow(actionFlowId: ${JSON.stringify(action.actionflow)}, args: $args) }`;
    const key = `${ctx.key}-${action.id}`;
    let outcome;
    try {
      outcome = await ctx.runtime.graphql(mutation, { args }, { idempotencyKey: key, retries: 1 });
    } catch (error) {
      outcome = { status: 0, body: { errors: [{ message: "The server could not be reached. Check your connection and try again." }] } };
    }
    const message = firstError(outcome.body, outcome.status);
    if (message) {
      const failure = ctx.with({ error: { message } });
      if ((action.on_failure || []).length) await runChain(action.on_failure, failure);
      else ctx.runtime.toast(message, "error");
      return;
    }
    let result = outcome.body.data ? outcome.body.data.fz_invoke_action_flow : null;
    if (typeof result === "string") {
      try { result = JSON.parse(result); } catch (error) { /* a plain text output */ }
    }
    await runChain(action.on_success || [], ctx.with({ result }));
  }

  function refPaths(tree, found = new Set()) {
    if (Array.isArray(tree)) tree.forEach((part) => refPaths(part, found));
    else if (tree && typeof tree === "object") {
      if (Object.keys(tree).length === 1 && typeof tree.ref === "string") found.add(tree.ref);
      else if (!(Object.keys(tree).length === 1 && "literal" in tree)) Object.values(tree).forEach((part) => refPaths(part, found));
    }
    return found;
  }

  // POST /p/<slug>/_write (runtime/pages/writes.py): -> {row} or {error, fields: {input id: message}}.
  async function sendWrite(runtime, actionId, refs) {
    const headers = { "content-type": "application/json", accept: "application/json" };
    const csrf = MM.readCookie("mm_csrf");
    if (csrf) headers["x-csrf-token"] = csrf;
    const body = JSON.stringify({ page: runtime.spec.page, action: actionId, refs });
    try {
      const response = await fetch(`${runtime.spec.base}/_write`, { method: "POST", headers, body, credentials: "same-origin" });
      let parsed = {};
      try { parsed = await response.json(); } catch (error) { parsed = {}; }
      if (response.ok && parsed.ok) return { row: parsed.row || {} };
      return { error: parsed.error || `The change was refused (HTTP ${response.status}).`, fields: parsed.fields || {} };
    } catch (error) {
      return { error: "The server could not be reached. Check your connection and try again.", fields: {} };
    }
  }

  // Insert / Update / Delete row: the server checks the inputs again and writes as the visitor.
  async function rowWrite(action, ctx) {
    const refs = {};
    for (const path of refPaths([action.values || {}, action.row_id === undefined ? null : action.row_id])) refs[path] = jsonValue(ctx.resolve(path));
    const outcome = await sendWrite(ctx.runtime, action.id, refs);
    if (outcome.error) {
      for (const [id, message] of Object.entries(outcome.fields || {})) {
        const field = ctx.runtime.findField(ctx.origin, id);
        if (field) MM.inputs.showInputError(field, message);
      }
      const failure = ctx.with({ error: { message: outcome.error } });
      if ((action.on_failure || []).length) await runChain(action.on_failure, failure);
      else ctx.runtime.toast(outcome.error, "error");
      return;
    }
    await runChain(action.on_success || [], ctx.with({ result: outcome.row }));
  }

  const ACTIONS = {
    condition: async (action, ctx) => {
      for (const branch of action.branches) {
        if (branch.condition === null || branch.condition === undefined || holds(branch.condition, ctx.resolve)) {
          await runChain(branch.actions || [], ctx);
          return;
        }
      }
    },
    show_toast: async (action, ctx) => ctx.runtime.toast(plainText(evaluate(action.message, ctx.resolve)), action.level || "info"),
    call_actionflow: callActionflow,
    set_variable: async (action, ctx) => ctx.runtime.setVariable(action.variable, jsonValue(evaluate(action.value, ctx.resolve))),
    navigate: async (action, ctx) => {
      const params = {};
      for (const [name, expression] of Object.entries(action.params || {})) params[name] = jsonValue(evaluate(expression, ctx.resolve));
      ctx.runtime.navigate(action.page, params);
    },
    go_back: async (action, ctx) => ctx.runtime.goBack(),
    insert_row: rowWrite,
    update_row: rowWrite,
    delete_row: rowWrite,
    set_input_value: async (action, ctx) => ctx.runtime.setInputValue(action.component, jsonValue(evaluate(action.value, ctx.resolve)), ctx.origin),
    reset_inputs: async (action, ctx) => ctx.runtime.resetInputs(action.components || [], ctx.origin),
    login: async (action, ctx) => ctx.runtime.goToLogin(),
    logout: async (action, ctx) => ctx.runtime.logout(),
    refresh: async (action, ctx) => ctx.runtime.refresh(action.component || null),
  };

  async function runChain(actions, ctx) {
    for (const action of actions || []) {
      const handler = ACTIONS[action.type];
      if (!handler) throw new MM.expressions.ExpressionError(`unknown action ${action.type}`);
      await handler(action, ctx);
    }
  }

  // Every `component.<id>.value` a chain reads: those inputs are checked before it runs.
  function inputRefs(tree, found = new Set()) {
    if (Array.isArray(tree)) tree.forEach((part) => inputRefs(part, found));
    else if (tree && typeof tree === "object") {
      for (const [key, value] of Object.entries(tree)) {
        for (const path of [key, key === "ref" && typeof value === "string" ? value : null]) {
          const match = path && /^component\.([a-z][a-z0-9_]*)\.value$/.exec(path);
          if (match) found.add(match[1]);
        }
        inputRefs(value, found);
      }
    }
    return found;
  }

  MM.actions = { ACTIONS, runChain, inputRefs };
})(window.MiniMomen = window.MiniMomen || {});
