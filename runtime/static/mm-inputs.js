/* minimomen: what an input holds, as its value type, checked by its rules.
   Every input renders one [data-mm-control] (input, textarea, select, checkbox) inside
   .mm-field. readInput -> {value, error}; the server checks the same rules again
   (runtime/pages/input_rules.py) when a row write reads the input. */
(function (MM) {
  "use strict";

  const { plainText } = MM.format;
  const BIGINT_MAX = 9223372036854775807n;
  const INTEGER = /^[+-]?\d+$/;
  const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
  const FIXED_TYPES = { textarea: "text", date_input: "date", datetime_input: "timestamptz", checkbox: "boolean", file_input: "bigint" };

  function validDate(raw) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) return false;
    const [y, m, d] = raw.split("-").map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }

  // A wall-clock time typed in the app's time zone -> an ISO instant (UTC).
  function zonedToIso(raw) {
    const m = LOCAL.exec(raw);
    if (!m || !validDate(raw.slice(0, 10))) return null;
    const zone = (MM.format.display && MM.format.display.time_zone) || "UTC";
    const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] || 0));
    let stamp = wall;
    for (let i = 0; i < 2; i += 1) {
      const t = MM.format.inZone(stamp, zone);
      if (!t) return null;
      stamp = wall - t.offset * 1000;
    }
    return new Date(stamp).toISOString();
  }

  // An ISO instant -> "YYYY-MM-DDTHH:MM" in the app's time zone (what datetime-local shows).
  function isoToZoned(value) {
    if (value === null || value === undefined || value === "") return "";
    const display = MM.format.display || { time_zone: "UTC" };
    const t = MM.format.moment(String(value), display);
    if (!t || t.hour === undefined) return "";
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}`;
  }

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
    date: (raw) => (validDate(raw) ? { value: raw } : { error: "Enter a valid date." }),
    timestamptz: (raw) => {
      const iso = LOCAL.test(raw) ? zonedToIso(raw) : (!Number.isNaN(Date.parse(raw)) ? new Date(raw).toISOString() : null);
      return iso ? { value: iso } : { error: "Enter a valid date and time." };
    },
    jsonb: (raw) => { try { return { value: JSON.parse(raw) }; } catch (error) { return { error: "Enter valid JSON." }; } },
  };

  function valueType(spec) {
    if (spec.type === "select" && spec.options_source) return "bigint";
    return FIXED_TYPES[spec.type] || spec.value_type || "text";
  }

  const control = (field) => field.querySelector("[data-mm-control]");
  const given = (v) => v !== null && v !== undefined;

  function checkRules(value, raw, type, spec) {
    if (type === "bigint" || type === "decimal") {
      const num = Number(value);
      if (given(spec.min) && num < spec.min) return `Enter a number of at least ${plainText(spec.min)}.`;
      if (given(spec.max) && num > spec.max) return `Enter a number of at most ${plainText(spec.max)}.`;
    }
    if (type === "date") {
      if (given(spec.min) && value < spec.min) return `Enter a date on or after ${spec.min}.`;
      if (given(spec.max) && value > spec.max) return `Enter a date on or before ${spec.max}.`;
    }
    if (typeof value === "string" && type === "text") {
      const length = Array.from(value).length;
      if (given(spec.min_length) && length < spec.min_length) return `Enter at least ${spec.min_length} characters.`;
      if (given(spec.max_length) && length > spec.max_length) return `Enter at most ${spec.max_length} characters.`;
      if (spec.email && !EMAIL.test(value)) return "Enter an e-mail address.";
      if (spec.pattern) {
        let ok = true;
        try { ok = new RegExp(`^(?:${spec.pattern})$`, "u").test(value); } catch (error) { ok = true; }
        if (!ok) return spec.pattern_message || "This value does not have the expected form.";
      }
    }
    return null;
  }

  // -> {value, error}: what an input holds now, as its value type; error is a sentence.
  function readInput(field, spec) {
    const el = control(field);
    if (!el) return { value: null };
    if (spec.type === "checkbox") return { value: Boolean(el.checked) };
    if (spec.type === "file_input" && field.dataset.mmUploading) return { value: null, error: "Wait for the upload to finish." };
    const raw = spec.type === "textarea" ? el.value : el.value.trim();
    if (raw.trim() === "") return spec.required ? { value: null, error: "This field is required." } : { value: null };
    const type = valueType(spec);
    const parsed = (PARSERS[type] || PARSERS.text)(raw);
    if (parsed.error) return { value: null, error: parsed.error };
    const broken = checkRules(parsed.value, raw, type, spec);
    return broken ? { value: null, error: broken } : parsed;
  }

  function showInputError(field, message) {
    const el = control(field);
    const box = field.querySelector(".mm-field__error");
    if (box) { box.textContent = message || ""; box.hidden = !message; }
    if (el) {
      if (message) el.setAttribute("aria-invalid", "true");
      else el.removeAttribute("aria-invalid");
    }
  }

  // Puts a value into an input as its control shows it.
  function writeInput(field, spec, value) {
    const el = control(field);
    if (!el) return;
    if (spec.type === "checkbox") el.checked = value === true || value === "true";
    else if (spec.type === "file_input") MM.files.show(field, value);
    else if (spec.type === "datetime_input") el.value = isoToZoned(value);
    else if (spec.type === "date_input") el.value = plainText(value).slice(0, 10);
    else el.value = plainText(value);
  }

  MM.inputs = { readInput, showInputError, writeInput, valueType, PARSERS, zonedToIso, isoToZoned };
})(window.MiniMomen = window.MiniMomen || {});
