/**
 * Stripe's request encoding, read back: `application/x-www-form-urlencoded` with bracket keys
 * (`metadata[trueup_invoice]=INV-1`, `line_items[0][price_data][unit_amount]=1250`,
 * `expand[0]=latest_charge`), as the SDK's stringifier writes them (qs's indexed format). The
 * stand-in needs only this much of `qs`, so it is a few lines here instead of a dependency.
 */

/** A parsed form value: a string leaf, a list (keys `[0]`, `[1]` …) or a map. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Parses a form body or query string (without its `?`) into nested objects and arrays. */
export function parseStripeForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(text)) setPath(root, keyPath(key), value);
  return arraysOf(root) as FormObject;
}

/** `a[b][0]` → ['a', 'b', '0']; an empty `[]` appends (qs's brackets format). */
function keyPath(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const path = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) path.push(match[1] ?? '');
  return path;
}

function setPath(root: FormObject, path: readonly string[], value: string): void {
  let node: FormObject = root;
  path.forEach((segment, i) => {
    const key = segment === '' ? String(Object.keys(node).length) : segment;
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as FormObject;
  });
}

/** Maps whose keys are exactly 0…n-1 become arrays, depth first. */
function arraysOf(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, arraysOf(value[k] as FormValue)] as const);
  const isList = keys.length > 0 && keys.every((k, i) => k === String(i));
  return isList ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}
