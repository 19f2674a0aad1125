// Ids from names: lowercase identifiers (^[a-z][a-z0-9_]{0,62}$), unique in the definition.

export function slugify(name, fallback = 'item') {
  let s = String(name || '').toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!s) s = fallback;
  if (!/^[a-z]/.test(s)) s = `${fallback}_${s}`;
  return s.slice(0, 55);
}

export function collectIds(value, into = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => collectIds(v, into));
  else if (value && typeof value === 'object') {
    if (typeof value.id === 'string') into.add(value.id);
    Object.values(value).forEach((v) => collectIds(v, into));
  }
  return into;
}

export function uniqueId(base, taken) {
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}_${n}`;
  taken.add(id);
  return id;
}

export function newId(def, name, prefix = '', fallback = 'item') {
  return uniqueId(prefix + slugify(name, fallback), collectIds(def));
}

export function uniqueName(base, names) {
  let name = base;
  for (let n = 2; names.includes(name); n += 1) name = `${base}_${n}`;
  return name;
}
