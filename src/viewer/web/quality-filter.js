// @ts-check
// The cell list's threshold filter: a small expression language parsed by
// hand (never eval'd), e.g. `ccmax >= 0.5`, `snr > 1 and stims >= 3`,
// `0.2 < ccmax <= 0.8`, `corrcoef < 0.3 or ccmax < 0.5`.
//
//   filter     := conjunction (("or" | "||") conjunction)*
//   conjunction:= comparison (("and" | "&&" | ",") comparison)*
//   comparison := column op number | number op column | number op column op number
//   op         := >= | > | <= | < | = | == | != | ≥ | ≤ | ≠
//
// Column names are case-insensitive and come from the caller (with aliases).
// A missing value (NaN, shown as "–") never passes a comparison. A bad
// expression is an error message saying what is wrong and where; it is never
// half applied. Pure: no DOM, so node tests import it as is.

/**
 * A column the filter can test: its name, other spellings, and its value in a row (null when missing).
 * @template R
 * @typedef {{ name: string, aliases?: string[], get: (row: R) => number | null }} FilterColumn
 */

/**
 * @template R
 * @typedef {{ ok: true, test: ((row: R) => boolean) | null } | { ok: false, error: string }} FilterResult
 */

/** @typedef {{ kind: "word" | "number" | "op" | "and" | "or", text: string, at: number }} Token */

const OPS = new Map([
  [">=", ">="],
  ["≥", ">="],
  [">", ">"],
  ["<=", "<="],
  ["≤", "<="],
  ["<", "<"],
  ["==", "="],
  ["=", "="],
  ["!=", "!="],
  ["≠", "!="],
]);
const FLIP = new Map([
  [">=", "<="],
  [">", "<"],
  ["<=", ">="],
  ["<", ">"],
  ["=", "="],
  ["!=", "!="],
]);

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD_RE = /^[A-Za-z_][A-Za-z0-9_]*/;
const OP_RE = /^(?:>=|<=|==|!=|[<>=≥≤≠])/;

/** Longest accepted expression (characters): a filter is a line typed by hand. */
const MAX_LENGTH = 500;

/**
 * Splits the text into tokens, or returns an error message.
 * @param {string} text
 * @returns {Token[] | string}
 */
function tokenize(text) {
  /** @type {Token[]} */
  const out = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const prev = out[out.length - 1];
    // A sign belongs to a number only where a number may start (after an operator or at the start).
    const signAllowed = !prev || prev.kind === "op" || prev.kind === "and" || prev.kind === "or";
    const num = NUMBER_RE.exec(rest);
    if (num && (signAllowed || !/^[+-]/.test(rest))) {
      out.push({ kind: "number", text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const word = WORD_RE.exec(rest);
    if (word) {
      const lower = word[0].toLowerCase();
      out.push({ kind: lower === "and" ? "and" : lower === "or" ? "or" : "word", text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    if (rest.startsWith("&&") || rest.startsWith("||")) {
      out.push({ kind: rest[0] === "&" ? "and" : "or", text: rest.slice(0, 2), at: i });
      i += 2;
      continue;
    }
    if (rest[0] === ",") {
      out.push({ kind: "and", text: ",", at: i });
      i += 1;
      continue;
    }
    const op = OP_RE.exec(rest);
    if (op) {
      out.push({ kind: "op", text: op[0], at: i });
      i += op[0].length;
      continue;
    }
    return `unexpected ${JSON.stringify(rest[0])} at character ${i + 1}`;
  }
  return out;
}

/**
 * @param {number} a
 * @param {string} op
 * @param {number} b
 */
function compare(a, op, b) {
  switch (op) {
    case ">=":
      return a >= b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case "<":
      return a < b;
    case "=":
      return a === b;
    default:
      return a !== b;
  }
}

/**
 * Parses a threshold filter over `columns`. Empty text is no filter (test null).
 * @template R
 * @param {string} text
 * @param {FilterColumn<R>[]} columns
 * @returns {FilterResult<R>}
 */
export function parseFilter(text, columns) {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, test: null };
  if (trimmed.length > MAX_LENGTH) return { ok: false, error: `longer than ${MAX_LENGTH} characters` };
  const tokens = tokenize(trimmed);
  if (typeof tokens === "string") return { ok: false, error: tokens };
  /** @type {Map<string, FilterColumn<R>>} */
  const byName = new Map();
  for (const c of columns) for (const n of [c.name, ...(c.aliases ?? [])]) byName.set(n.toLowerCase(), c);
  const names = columns.map((c) => c.name).join(", ");
  const opNames = ">=, >, <=, <, =, !=";
  let i = 0;
  const peek = () => tokens[i];
  /** @param {Token | undefined} t */
  const shown = (t) => (t ? JSON.stringify(t.text) : "the end");

  /** @returns {FilterColumn<R> | string} */
  const column = () => {
    const t = peek();
    if (t?.kind !== "word") return `expected a column (${names}) but found ${shown(t)}`;
    const c = byName.get(t.text.toLowerCase());
    if (!c) return `unknown column ${JSON.stringify(t.text)}: use ${names}`;
    i++;
    return c;
  };
  /** @returns {string} */
  const operator = () => {
    const t = peek();
    const op = t?.kind === "op" ? OPS.get(t.text) : undefined;
    if (!t || op === undefined)
      return `expected a comparison (${opNames}) after ${shown(tokens[i - 1])} but found ${shown(t)}`;
    i++;
    return op;
  };
  /** @returns {number | string} */
  const number = () => {
    const t = peek();
    const v = t?.kind === "number" ? Number(t.text) : Number.NaN;
    if (!t || !Number.isFinite(v))
      return `expected a number after ${shown(tokens[i - 1])} but found ${shown(t)}`;
    i++;
    return v;
  };

  /** @returns {((row: R) => boolean) | string} */
  const comparison = () => {
    const first = peek();
    if (first?.kind === "number") {
      const a = /** @type {number} */ (number());
      const op1 = operator();
      if (!FLIP.has(op1)) return op1;
      const c = column();
      if (typeof c === "string") return c;
      const flipped = /** @type {string} */ (FLIP.get(op1));
      if (peek()?.kind !== "op")
        return (row) => {
          const v = c.get(row);
          return v !== null && Number.isFinite(v) && compare(v, flipped, a);
        };
      const op2 = operator();
      if (!FLIP.has(op2)) return op2;
      const b = number();
      if (typeof b === "string") return b;
      return (row) => {
        const v = c.get(row);
        return v !== null && Number.isFinite(v) && compare(v, flipped, a) && compare(v, op2, b);
      };
    }
    const c = column();
    if (typeof c === "string") return c;
    const op = operator();
    if (!FLIP.has(op)) return op;
    const b = number();
    if (typeof b === "string") return b;
    return (row) => {
      const v = c.get(row);
      return v !== null && Number.isFinite(v) && compare(v, op, b);
    };
  };

  /** @type {((row: R) => boolean)[][]} */
  const disjuncts = [[]];
  for (;;) {
    const cmp = comparison();
    if (typeof cmp === "string") return { ok: false, error: cmp };
    /** @type {((row: R) => boolean)[]} */ (disjuncts[disjuncts.length - 1]).push(cmp);
    const t = peek();
    if (!t) break;
    if (t.kind === "and") i++;
    else if (t.kind === "or") {
      i++;
      disjuncts.push([]);
    } else return { ok: false, error: `expected "and" or "or" before ${shown(t)}` };
    if (!peek()) return { ok: false, error: `expected a comparison after ${shown(t)}` };
  }
  return { ok: true, test: (row) => disjuncts.some((all) => all.every((f) => f(row))) };
}
