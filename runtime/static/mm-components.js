/* minimomen: component binders, keyed like builder.pages.COMPONENT_TYPES.
   bind(el, spec, scope) re-computes what a component shows from its bindings; all
   data reaches the DOM through textContent and attributes, never as markup. */
(function (MM) {
  "use strict";

  const { plainText, formatValue } = MM.format;
  const SAFE_SRC = /^(https?:\/\/|\/(?!\/))[^\s"'<>]*$/i;
  const BIGINT_MAX = 9223372036854775807n;
  const INTEGER = /^[+-]?\d+$/;
  const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

  function safeValue(scope, expression) {
    try { return MM.expressions.evaluate(expression, scope.resolve); } catch (error) { return null; }
  }

  // --- input values: parse and check by value type -----------------------------
  const PARSERS = {
    text: (raw) => ({ value: raw }),
    bigint: (raw) => {
      if (!INTEGER.test(raw)) return { error: "Enter a whole number." };
      const big = BigInt(raw);
      if (big > BIGINT_MAX || big < -BIGINT_MAX - 1n) return { error: "This number is too large." };
      const num = Number(raw);
      return { value: Number.isSafeInteger(num) ? num : big.toString() };
    },
    decimal: (raw) => (DECIMAL.test(raw) ? { value: raw.replace(/^\+/, "") } : { error: "Enter a number." }),
    boolean: (raw) => (/^(true|false)$/i.test(raw) ? { value: raw.toLowerCase() === "true" } : { error: "Enter true or false." }),
    date: (raw) => (/^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw)) ? { value: raw } : { error: "Enter a date as YYYY-MM-DD." }),
    timestamptz: (raw) => (!Number.isNaN(Date.parse(raw)) ? { value: raw } : { error: "Enter a date and time." }),
    jsonb: (raw) => { try { return { value: JSON.parse(raw) }; } catch (error) { return { error: "Enter valid JSON." }; } },
  };

  // -> {value, error}: what an input holds now, as its value type; error is a sentence.
  function readInput(field, spec) {
    const input = field.querySelector("input");
    const raw = input ? input.value.trim() : "";
    if (raw === "") return spec.required ? { value: null, error: "This field is required." } : { value: null };
    const type = spec.value_type || "text";
    const parsed = (PARSERS[type] || PARSERS.text)(raw);
    if (parsed.error) return { value: null, error: parsed.error };
    if (type === "bigint" || type === "decimal") {
      const num = Number(parsed.value);
      if (spec.min !== null && spec.min !== undefined && num < spec.min) return { value: null, error: `Enter a number of at least ${plainText(spec.min)}.` };
      if (spec.max !== null && spec.max !== undefined && num > spec.max) return { value: null, error: `Enter a number of at most ${plainText(spec.max)}.` };
    }
    return parsed;
  }

  function showInputError(field, message) {
    const input = field.querySelector("input");
    const box = field.querySelector(".mm-field__error");
    if (box) { box.textContent = message || ""; box.hidden = !message; }
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  // --- binders --------------------------------------------------------------------
  function bindInput(el, spec, scope) {
    if (el.dataset.mmReady) return; // never overwrite what the visitor typed
    el.dataset.mmReady = "1";
    const input = el.querySelector("input");
    if (input) input.value = plainText(safeValue(scope, spec.default));
  }

  const COMPONENTS = {
    container: () => {},
    list: () => {},
    text: (el, spec, scope) => {
      const shown = (spec.prefix || "") + formatValue(safeValue(scope, spec.value), spec.format) + (spec.suffix || "");
      if (el.textContent !== shown) el.textContent = shown;
    },
    image: (el, spec, scope) => {
      const src = plainText(safeValue(scope, spec.src)).trim();
      const safe = SAFE_SRC.test(src) ? src : "";
      if (el.getAttribute("src") !== safe) el.setAttribute("src", safe);
      el.setAttribute("alt", plainText(safeValue(scope, spec.alt)));
      el.hidden = !safe;
    },
    text_input: bindInput,
    number_input: bindInput,
    button: (el, spec, scope) => {
      const label = el.querySelector(".mm-button__label");
      const shown = plainText(safeValue(scope, spec.label));
      if (label && label.textContent !== shown) label.textContent = shown;
    },
    conditional_view: (el, spec, scope) => {
      let chosen = null;
      for (const branch of spec.branches) {
        let ok = false;
        try { ok = branch.condition === null || MM.expressions.holds(branch.condition, scope.resolve); } catch (error) { ok = false; }
        if (ok) { chosen = branch.id; break; }
      }
      for (const child of el.children) {
        if (child.dataset.mmBranch !== undefined) child.hidden = child.dataset.mmBranch !== chosen;
      }
    },
  };

  MM.components = COMPONENTS;
  MM.inputs = { readInput, showInputError, PARSERS };
})(window.MiniMomen = window.MiniMomen || {});
