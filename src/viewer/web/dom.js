// @ts-check
// DOM helpers of the viewer's browser app: element lookup, a small element
// builder (text is always set as text, never parsed as HTML), number
// formatting with one marker for a missing value, and the error banner.

/** What a missing or undefined value (NaN, null) reads as everywhere in the app. */
export const MISSING = "–";

/** @param {string} id */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/**
 * The body of table #id.
 * @param {string} id
 */
export function tableBody(id) {
  const body = /** @type {HTMLTableElement} */ ($(id)).tBodies[0];
  if (!body) throw new Error(`missing tbody in #${id}`);
  return body;
}

/**
 * Creates an element with text and attributes.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @param {(Node | string | null | undefined)[]} [children]
 */
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/**
 * A number with `digits` significant digits (exponent form when tiny or huge), or MISSING.
 * @param {number | null | undefined} v
 * @param {number} [digits]
 */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

/** @param {number} n @param {string} word */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** @param {unknown} e */
export function showError(e) {
  const el = $("error");
  el.hidden = false;
  el.textContent = e instanceof Error ? e.message : String(e);
}

export function clearError() {
  const el = $("error");
  el.hidden = true;
  el.textContent = "";
}
