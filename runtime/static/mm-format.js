/* minimomen: the JavaScript twin of runtime/pages/formatting.py. Works on the decimal
   text of numbers so that the browser shows exactly what the server rendered. */
(function (MM) {
  "use strict";

  const NUMBER = /^\s*([+-]?)(\d+)(?:\.(\d*))?\s*$/;
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function plainText(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "number") return String(value);
    if (typeof value === "string") return value;
    return JSON.stringify(value);
  }

  function parts(value) {
    if (value === null || value === undefined || typeof value === "boolean") return null;
    const match = NUMBER.exec(plainText(value));
    if (!match) return null;
    const whole = match[2].replace(/^0+/, "") || "0";
    return [match[1] === "-" ? "-" : "", whole, match[3] || ""];
  }

  function group(whole) {
    const head = whole.length % 3 || 3;
    const groups = [whole.slice(0, head)];
    for (let i = head; i < whole.length; i += 3) groups.push(whole.slice(i, i + 3));
    return groups.join(",");
  }

  function round2(whole, fraction) {
    let digits = whole + (fraction + "00").slice(0, 2);
    if (fraction.length > 2 && fraction[2] >= "5") {
      digits = (BigInt(digits) + 1n).toString().padStart(digits.length, "0");
    }
    return [digits.slice(0, -2).replace(/^0+/, "") || "0", digits.slice(-2)];
  }

  function formatNumber(value) {
    const p = parts(value);
    if (!p) return plainText(value);
    let [sign, whole, fraction] = p;
    if (/^0+$/.test(whole) && !/[1-9]/.test(fraction)) sign = "";
    return sign + group(whole) + (fraction ? "." + fraction : "");
  }

  function formatCurrency(value) {
    const p = parts(value);
    if (!p) return plainText(value);
    let [sign, whole, fraction] = p;
    const [rounded, cents] = round2(whole, fraction);
    if (/^0+$/.test(rounded) && cents === "00") sign = "";
    return `${sign}$${group(rounded)}.${cents}`;
  }

  const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
  const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

  // -> {year, month, day, hour?, minute?} in UTC, or null.
  function moment(value) {
    if (typeof value !== "string") return null;
    const textValue = value.trim();
    let m = DATE.exec(textValue);
    if (textValue.length === 10) {
      if (!m) return null;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const check = new Date(Date.UTC(y, mo - 1, d));
      if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
      return { year: y, month: mo, day: d };
    }
    m = DATETIME.exec(textValue);
    if (!m) return null;
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] || 0));
    let stamp = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(stamp);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
    const zone = m[8];
    if (zone && zone !== "Z") {
      const sign = zone[0] === "-" ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
      stamp -= sign * offset * 60000;
    }
    const utc = new Date(stamp);
    return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate(), hour: utc.getUTCHours(), minute: utc.getUTCMinutes() };
  }

  function formatDate(value) {
    const t = moment(value);
    if (!t) return plainText(value);
    return `${MONTHS[t.month - 1]} ${t.day}, ${t.year}`;
  }

  function formatDatetime(value) {
    const t = moment(value);
    if (!t) return plainText(value);
    if (t.hour === undefined) return formatDate(value);
    const pad = (n) => String(n).padStart(2, "0");
    return `${MONTHS[t.month - 1]} ${t.day}, ${t.year}, ${pad(t.hour)}:${pad(t.minute)} UTC`;
  }

  const FORMATS = { plain: plainText, number: formatNumber, currency: formatCurrency, date: formatDate, datetime: formatDatetime };

  function formatValue(value, format) {
    return (FORMATS[format] || plainText)(value);
  }

  MM.format = { formatValue, plainText, FORMATS };
})(window.MiniMomen = window.MiniMomen || {});
