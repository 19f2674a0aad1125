/* minimomen: the JavaScript twin of runtime/expressions.py (evaluate, holds, lookup).
   Interprets JSON expression trees; never evaluates text as code. Python semantics are
   kept where they show (truthiness, == between numbers and numeric text, null rules). */
(function (MM) {
  "use strict";

  class ExpressionError extends Error {}

  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const isNumber = (v) => typeof v === "number";
  const NUMERIC_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

  function isRef(value) {
    return isObject(value) && Object.keys(value).length === 1 && typeof value.ref === "string";
  }

  function lookup(scope, path) {
    let value = scope;
    for (const part of path.split(".")) {
      if (isObject(value)) {
        value = Object.prototype.hasOwnProperty.call(value, part) ? value[part] : null;
      } else if (Array.isArray(value) && /^\d+$/.test(part)) {
        const index = Number(part);
        value = index < value.length ? value[index] : null;
      } else {
        return null;
      }
      if (value === undefined) value = null;
    }
    return value === undefined ? null : value;
  }

  function toNumber(value) {
    if (value === null || value === undefined || typeof value === "boolean") {
      throw new ExpressionError(`${JSON.stringify(value)} is not a number`);
    }
    if (isNumber(value)) return value;
    if (typeof value === "string" && NUMERIC_TEXT.test(value)) return Number(value);
    throw new ExpressionError(`${JSON.stringify(value)} is not a number`);
  }

  function text(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "string") return value;
    if (isNumber(value)) return String(value);
    return JSON.stringify(value);
  }

  function truthy(value) {
    if (value === null || value === undefined) return false;
    if (typeof value === "boolean") return value;
    if (isNumber(value)) return value !== 0;
    if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
    if (isObject(value)) return Object.keys(value).length > 0;
    return Boolean(value);
  }

  // Python's _compare: a number against text compares as numbers.
  function comparable(a, b) {
    if (isNumber(a) && typeof b === "string") return [a, toNumber(b)];
    if (isNumber(b) && typeof a === "string") return [toNumber(a), b];
    return [a, b];
  }

  function sameValue(a, b) {
    if (a === null || a === undefined || b === null || b === undefined) {
      return (a === null || a === undefined) && (b === null || b === undefined);
    }
    const numeric = (v) => isNumber(v) || typeof v === "boolean";
    if (numeric(a) && numeric(b)) return Number(a) === Number(b);
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
    }
    if (isObject(a) || isObject(b)) {
      if (!isObject(a) || !isObject(b)) return false;
      const keys = Object.keys(a);
      return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue(a[k], b[k]));
    }
    return a === b;
  }

  function eq(a, b) {
    const [x, y] = comparable(a, b);
    return sameValue(x, y);
  }

  function ordered(test) {
    return (a, b) => {
      if (a === null || a === undefined || b === null || b === undefined) return false;
      let [x, y] = comparable(a, b);
      const numeric = (v) => isNumber(v) || typeof v === "boolean";
      if (numeric(x) && numeric(y)) return test(Number(x), Number(y));
      if (typeof x === "string" && typeof y === "string") return test(x, y);
      throw new ExpressionError(`cannot compare ${JSON.stringify(a)} with ${JSON.stringify(b)}`);
    };
  }

  const gt = ordered((x, y) => x > y);
  const gte = ordered((x, y) => x >= y);
  const lt = ordered((x, y) => x < y);
  const lte = ordered((x, y) => x <= y);

  const OPERATORS = {
    concat: (args) => args.map(text).join(""),
    add: (args) => args.reduce((sum, a) => sum + toNumber(a), 0),
    sub: (args) => toNumber(args[0]) - toNumber(args[1]),
    mul: (args) => args.reduce((product, a) => product * toNumber(a), 1),
    div: (args) => {
      const a = toNumber(args[0]);
      const b = toNumber(args[1]);
      if (b === 0) throw new ExpressionError("division by zero");
      return a / b;
    },
    neg: (args) => -toNumber(args[0]),
    coalesce: (args) => { const found = args.find((a) => a !== null && a !== undefined); return found === undefined ? null : found; },
    not: (args) => !truthy(args[0]),
    and: (args) => args.every(truthy),
    or: (args) => args.some(truthy),
    eq: (args) => eq(args[0], args[1]),
    neq: (args) => !eq(args[0], args[1]),
    gt: (args) => gt(args[0], args[1]),
    gte: (args) => gte(args[0], args[1]),
    lt: (args) => lt(args[0], args[1]),
    lte: (args) => lte(args[0], args[1]),
    is_null: (args) => args[0] === null || args[0] === undefined,
    to_text: (args) => text(args[0]),
    now: () => new Date().toISOString(),
  };

  function evaluate(expression, resolve) {
    if (isRef(expression)) {
      const value = resolve(expression.ref);
      return value === undefined ? null : value;
    }
    if (Array.isArray(expression)) return expression.map((item) => evaluate(item, resolve));
    if (isObject(expression)) {
      const keys = Object.keys(expression);
      if (keys.length === 1 && keys[0] === "literal") return expression.literal;
      if (keys.length !== 1) throw new ExpressionError(`an expression object must have exactly one operator, got ${keys.sort()}`);
      const op = keys[0];
      if (!Object.prototype.hasOwnProperty.call(OPERATORS, op)) throw new ExpressionError(`unknown operator \`${op}\``);
      const raw = expression[op];
      const values = (Array.isArray(raw) ? raw : [raw]).map((a) => evaluate(a, resolve));
      return OPERATORS[op](values);
    }
    return expression === undefined ? null : expression;
  }

  const iterable = (b) => (Array.isArray(b) ? b : typeof b === "string" ? Array.from(b) : truthy(b) ? Object.keys(b) : []);

  const CONDITION_OPS = {
    _eq: (a, b) => eq(a, b),
    _neq: (a, b) => !eq(a, b),
    _gt: gt,
    _gte: gte,
    _lt: lt,
    _lte: lte,
    _in: (a, b) => iterable(b).some((x) => eq(a, x)),
    _nin: (a, b) => !iterable(b).some((x) => eq(a, x)),
    _is_null: (a, b) => (a === null || a === undefined) === truthy(b),
  };
  const NULL_SAFE = new Set(["_is_null", "_eq", "_neq"]);

  function holds(condition, resolve) {
    if (!truthy(condition)) return true;
    for (const [key, value] of Object.entries(condition)) {
      if (key === "_and") {
        if (!(value || []).every((part) => holds(part, resolve))) return false;
      } else if (key === "_or") {
        if (!(value || []).some((part) => holds(part, resolve))) return false;
      } else if (key === "_not") {
        if (holds(value, resolve)) return false;
      } else {
        let actual = resolve(key);
        if (actual === undefined) actual = null;
        for (const [op, operand] of Object.entries(value || {})) {
          const check = CONDITION_OPS[op];
          if (!Object.prototype.hasOwnProperty.call(CONDITION_OPS, op)) throw new ExpressionError(`unknown operator \`${op}\` in a condition`);
          const expected = evaluate(operand, resolve);
          if (!NULL_SAFE.has(op) && (actual === null || expected === null)) return false;
          if (!check(actual, expected)) return false;
        }
      }
    }
    return true;
  }

  // runtime/pages/search.py where_value: a page filter with compared expressions replaced by
  // values, search comparisons as escaped _ilike, empty conditions left out when asked.
  const COMPARISONS = new Set(["_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_in", "_nin", "_is_null", "_like", "_ilike", "_nlike", "_nilike", "_contains", "_starts_with", "_ends_with"]);
  const SEARCHES = { _contains: ["%", "%"], _starts_with: ["", "%"], _ends_with: ["%", ""] };
  const IGNORE_EMPTY = "_ignore_empty";

  const escapeLike = (value) => value.replace(/\\/g, "\\\\").replace(/%/g, "\\%").replace(/_/g, "\\_");
  const isEmpty = (value) => value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);

  function refsOf(tree, found = []) {
    if (isRef(tree)) found.push(tree.ref);
    else if (Array.isArray(tree)) tree.forEach((part) => refsOf(part, found));
    else if (isObject(tree) && !(Object.keys(tree).length === 1 && "literal" in tree)) Object.values(tree).forEach((part) => refsOf(part, found));
    return found;
  }

  function comparisonsValue(value, resolve) {
    const flag = value[IGNORE_EMPTY];
    const ignore = typeof flag === "boolean" ? flag
      : Object.entries(value).some(([op, operand]) => op !== IGNORE_EMPTY && refsOf(operand).some((path) => path.startsWith("component.")));
    const result = {};
    for (const [op, operand] of Object.entries(value)) {
      if (op === IGNORE_EMPTY) continue;
      let filled = evaluate(operand, resolve);
      if (filled === undefined) filled = null;
      if (ignore && isEmpty(filled)) continue;
      if (Object.prototype.hasOwnProperty.call(SEARCHES, op)) {
        const [before, after] = SEARCHES[op];
        result._ilike = filled === null ? null : before + escapeLike(text(filled)) + after;
      } else result[op] = filled;
    }
    return Object.keys(result).length ? result : null;
  }

  function whereValue(condition, resolve) {
    if (!isObject(condition)) return condition;
    const result = {};
    for (const [key, value] of Object.entries(condition)) {
      if (key === "_and" || key === "_or") result[key] = (value || []).map((part) => whereValue(part, resolve));
      else if (key === "_not") result[key] = whereValue(value, resolve);
      else if (isObject(value) && Object.keys(value).some((op) => COMPARISONS.has(op) || op === IGNORE_EMPTY)) {
        const filled = comparisonsValue(value, resolve);
        if (filled !== null) result[key] = filled;
      } else if (isObject(value)) {
        const nested = whereValue(value, resolve);
        // an aggregate whose predicate was left out (empty value) is left out whole
        const lost = "predicate" in value && !("predicate" in nested);
        if (Object.keys(nested).length && !lost) result[key] = nested;
      } else result[key] = value;
    }
    return result;
  }

  MM.expressions = { ExpressionError, isRef, lookup, evaluate, holds, truthy, text, whereValue, OPERATORS, CONDITION_OPS };
})(window.MiniMomen = window.MiniMomen || {});
