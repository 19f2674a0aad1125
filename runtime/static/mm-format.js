/* minimomen: the JavaScript twin of runtime/pages/formatting.py. Works on the decimal
   text of numbers so that the browser shows exactly what the server rendered.
   The app's conventions (locale, currency, time zone) are not kept here: the server
   embeds the entries of its one table (builder/display_formats.py) in the page as
   <script id="mm-display">, and every format reads them from there. Time zones are
   converted with Intl.DateTimeFormat; a browser test checks it agrees with Python. */
(function (MM) {
  "use strict";

  const NUMBER = /^\s*([+-]?)(\d+)(?:\.(\d*))?\s*$/;
  const TOKEN = /\{([A-Za-z]+)\}/g;

  function plainText(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "number") return String(value);
    if (typeof value === "string") return value;
    return JSON.stringify(value);
  }

  // pattern with each {token} replaced in one pass; unknown tokens stay as written.
  function fill(pattern, values) {
    return pattern.replace(TOKEN, (whole, name) => (Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole));
  }

  // --- numbers ----------------------------------------------------------------------

  function parts(value) {
    if (value === null || value === undefined || typeof value === "boolean") return null;
    const match = NUMBER.exec(plainText(value));
    if (!match) return null;
    const whole = match[2].replace(/^0+/, "") || "0";
    return [match[1] === "-" ? "-" : "", whole, match[3] || ""];
  }

  function group(whole, locale) {
    if (whole.length < 3 + locale.min_grouping) return whole;
    const head = whole.length % 3 || 3;
    const groups = [whole.slice(0, head)];
    for (let i = head; i < whole.length; i += 3) groups.push(whole.slice(i, i + 3));
    return groups.join(locale.group);
  }

  // Round half away from zero to `digits` fraction digits, on the digits themselves.
  function round(whole, fraction, digits) {
    let kept = whole + (fraction + "0".repeat(digits)).slice(0, digits);
    if (fraction.length > digits && fraction[digits] >= "5") {
      kept = (BigInt(kept) + 1n).toString().padStart(kept.length, "0");
    }
    const cut = kept.length - digits;
    return [kept.slice(0, cut).replace(/^0+/, "") || "0", kept.slice(cut)];
  }

  function numberText(whole, fraction, locale) {
    return group(whole, locale) + (fraction ? locale.decimal + fraction : "");
  }

  function formatNumber(value, display) {
    const p = parts(value);
    if (!p) return plainText(value);
    let [sign, whole, fraction] = p;
    if (/^0+$/.test(whole) && !/[1-9]/.test(fraction)) sign = "";
    return sign + numberText(whole, fraction, display.locale);
  }

  function formatCurrency(value, display) {
    const p = parts(value);
    if (!p) return plainText(value);
    let [sign, whole, fraction] = p;
    const [rounded, minor] = round(whole, fraction, display.currency.digits);
    if (/^0+$/.test(rounded) && !/[1-9]/.test(minor)) sign = "";
    const number = numberText(rounded, minor, display.locale);
    return fill(display.locale.currency, { sign, symbol: display.currency.symbol, number });
  }

  // --- dates ------------------------------------------------------------------------

  const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
  const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
  const ZONES = new Map(); // time zone -> Intl.DateTimeFormat giving its wall-clock parts

  function utcDate(y, mo, d, h = 0, mi = 0, s = 0) {
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it reads years 0-99 as 1900-1999
    date.setUTCHours(h, mi, s, 0);
    return date;
  }

  function isDay(date, y, mo, d) {
    return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
  }

  function zoneParts(zone) {
    if (!ZONES.has(zone)) {
      ZONES.set(zone, new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", era: "short",
        year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
      }));
    }
    return ZONES.get(zone);
  }

  // The wall clock of instant `stamp` (ms) in `zone`, with its offset in seconds; null outside years 1..9999.
  function inZone(stamp, zone) {
    const got = {};
    for (const part of zoneParts(zone).formatToParts(new Date(stamp))) got[part.type] = part.value;
    const year = got.era === "AD" ? Number(got.year) : 1 - Number(got.year);
    if (year < 1 || year > 9999) return null;
    const [month, day, hour, minute, second] = [got.month, got.day, got.hour, got.minute, got.second].map(Number);
    const wall = utcDate(year, month, day, hour, minute, second).getTime();
    return { year, month, day, hour, minute, offset: Math.round((wall - Math.floor(stamp / 1000) * 1000) / 1000) };
  }

  // -> {year, month, day} for a calendar date, plus {hour, minute, offset} for a moment in the display zone; or null.
  function moment(value, display) {
    if (typeof value !== "string") return null;
    const textValue = value.trim();
    if (textValue.length === 10) {
      const m = DATE.exec(textValue);
      if (!m) return null;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      return isDay(utcDate(y, mo, d), y, mo, d) ? { year: y, month: mo, day: d } : null;
    }
    const m = DATETIME.exec(textValue);
    if (!m) return null;
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] || 0));
    if (!isDay(utcDate(y, mo, d), y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
    let stamp = utcDate(y, mo, d, h, mi, s).getTime();
    const zone = m[8];
    if (zone && zone !== "Z") {
      const sign = zone[0] === "-" ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
      stamp -= sign * offset * 60000;
    }
    const utcYear = new Date(stamp).getUTCFullYear();
    if (utcYear < 1 || utcYear > 9999) return null; // as Python, which cannot hold such an instant in UTC
    return inZone(stamp, display.time_zone);
  }

  // "UTC", "UTC+2", "UTC-3:30": whole minutes of the offset, toward zero.
  function zoneLabel(seconds) {
    const total = Math.floor(Math.abs(seconds) / 60);
    const [hours, minutes] = [Math.floor(total / 60), total % 60];
    if (hours === 0 && minutes === 0) return "UTC";
    return `UTC${seconds < 0 ? "-" : "+"}${hours}` + (minutes ? ":" + String(minutes).padStart(2, "0") : "");
  }

  const pad = (n) => String(n).padStart(2, "0");

  function dateText(t, locale) {
    return fill(locale.date, {
      d: String(t.day), dd: pad(t.day), M: String(t.month), MM: pad(t.month), MMM: locale.months[t.month - 1], yyyy: String(t.year),
    });
  }

  function formatDate(value, display) {
    const t = moment(value, display);
    return t ? dateText(t, display.locale) : plainText(value);
  }

  function formatDatetime(value, display) {
    const t = moment(value, display);
    if (!t) return plainText(value);
    if (t.hour === undefined) return dateText(t, display.locale);
    return fill(display.locale.datetime, { date: dateText(t, display.locale), HH: pad(t.hour), mm: pad(t.minute), zone: zoneLabel(t.offset) });
  }

  // --- the app's display ------------------------------------------------------------

  function pageDisplay() {
    const el = document.getElementById("mm-display");
    return el ? JSON.parse(el.textContent) : null;
  }

  const DISPLAY = pageDisplay();
  const plain = (value) => plainText(value);
  const FORMATS = { plain, number: formatNumber, currency: formatCurrency, date: formatDate, datetime: formatDatetime };

  // `display` defaults to the page's; without one (no page settings) every value prints plainly.
  function formatValue(value, format, display = DISPLAY) {
    if (!display) return plainText(value);
    return (FORMATS[format] || plain)(value, display);
  }

  MM.format = { formatValue, plainText, FORMATS, moment, inZone, display: DISPLAY };
})(window.MiniMomen = window.MiniMomen || {});
