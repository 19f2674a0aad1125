/* minimomen: component binders, keyed like builder.pages.COMPONENT_TYPES.
   bind(el, spec, scope) re-computes what a component shows from its bindings; all
   data reaches the DOM through textContent and attributes, never as markup. */
(function (MM) {
  "use strict";

  const { plainText, formatValue } = MM.format;
  const SAFE_SRC = /^(https?:\/\/|\/(?!\/))[^\s"'<>]*$/i;

  function safeValue(scope, expression) {
    try { return MM.expressions.evaluate(expression, scope.resolve); } catch (error) { return null; }
  }

  // --- binders --------------------------------------------------------------------
  // Shows the default once (never overwrites what the visitor typed); Reset inputs clears mmReady.
  function bindInput(el, spec, scope) {
    if (el.dataset.mmReady) return;
    el.dataset.mmReady = "1";
    MM.inputs.writeInput(el, spec, safeValue(scope, spec.default));
  }

  const COMPONENTS = {
    container: () => {},
    list: () => {},
    text: (el, spec, scope) => {
      const shown = (spec.prefix || "") + formatValue(safeValue(scope, spec.value), spec.format) + (spec.suffix || "");
      if (el.textContent !== shown) el.textContent = shown;
    },
    image: (el, spec, scope) => {
      let value = safeValue(scope, spec.src);
      if (value && typeof value === "object") {  // an image field: its (resized) URL, as runtime/pages/components/image.py
        const alias = spec.width || spec.height ? `url_w${spec.width || 0}_h${spec.height || 0}_${spec.fit || "cover"}` : null;
        if (!spec.alt && value.filename) el.setAttribute("alt", plainText(value.filename));
        value = (alias && value[alias]) || value.url;
      }
      const src = plainText(value).trim();
      const safe = SAFE_SRC.test(src) ? src : "";
      if (el.getAttribute("src") !== safe) el.setAttribute("src", safe);
      if (spec.alt) el.setAttribute("alt", plainText(safeValue(scope, spec.alt)));
      el.hidden = !safe;
    },
    text_input: bindInput,
    textarea: bindInput,
    number_input: bindInput,
    date_input: bindInput,
    datetime_input: bindInput,
    select: bindInput,
    checkbox: bindInput,
    file_input: bindInput,
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
  MM.safeValue = safeValue;
})(window.MiniMomen = window.MiniMomen || {});
