// The few Python str and int rules the reference loader's walkers lean on,
// restated so the walkers decide exactly as it does on any name or text the
// release may hold: int(text) (which accepts signs, surrounding white space,
// single underscores between digits and any Unicode decimal digit: int("+3"),
// int(" 7"), int("1_0") == 10, int("٣") == 3), str.isdigit, str.isspace
// (strip, split), `\s` and `\d` of the re module, and the order of sorted()
// on str (code points). The Unicode tables are Python 3.11's (Unicode 14.0),
// from test/fixtures/ac1/make_python_text.py, which also writes the golden
// answers the tests compare with.

/** First code point of every run of ten decimal digits 0..9 (Unicode category Nd). */
const DECIMAL_RUN_STARTS: readonly number[] = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50,
  0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40,
  0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0,
  0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50,
  0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950,
  0x1fbf0,
];

/** Inclusive ranges of the characters str.isdigit accepts that are not decimal digits (superscripts, circled digits, ...). */
const DIGIT_ONLY_RANGES: readonly (readonly [number, number])[] = [
  [0xb2, 0xb3],
  [0xb9, 0xb9],
  [0x1369, 0x1371],
  [0x19da, 0x19da],
  [0x2070, 0x2070],
  [0x2074, 0x2079],
  [0x2080, 0x2089],
  [0x2460, 0x2468],
  [0x2474, 0x247c],
  [0x2488, 0x2490],
  [0x24ea, 0x24ea],
  [0x24f5, 0x24fd],
  [0x24ff, 0x24ff],
  [0x2776, 0x277e],
  [0x2780, 0x2788],
  [0x278a, 0x2792],
  [0x10a40, 0x10a43],
  [0x10e60, 0x10e68],
  [0x11052, 0x1105a],
  [0x1f100, 0x1f10a],
];

/** The characters str.isspace accepts (and re's `\s`, and str.split() and strip() remove). */
export const PY_WHITESPACE =
  "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
const WHITESPACE_SET: ReadonlySet<number> = new Set(
  Array.from(PY_WHITESPACE, (c) => c.codePointAt(0) as number),
);

/** A regular-expression class body matching Python's `\s` (for use inside `[...]`). */
export const PY_SPACE_CLASS = Array.from(
  PY_WHITESPACE,
  (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
).join("");

/** The value 0..9 of a decimal digit (Unicode Nd), or -1. */
export function decimalValue(cp: number): number {
  // binary search for the last run start <= cp
  let lo = 0;
  let hi = DECIMAL_RUN_STARTS.length - 1;
  if (cp < (DECIMAL_RUN_STARTS[0] as number)) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((DECIMAL_RUN_STARTS[mid] as number) <= cp) lo = mid;
    else hi = mid - 1;
  }
  const d = cp - (DECIMAL_RUN_STARTS[lo] as number);
  return d < 10 ? d : -1;
}

/** str.isspace for one code point. */
export function isPySpace(cp: number): boolean {
  return WHITESPACE_SET.has(cp);
}

/** str.isdigit: non-empty, every character a decimal digit or another digit (superscripts, ...). */
export function pyIsDigit(s: string): boolean {
  if (s.length === 0) return false;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (decimalValue(cp) >= 0) continue;
    if (!DIGIT_ONLY_RANGES.some(([a, b]) => cp >= a && cp <= b)) return false;
  }
  return true;
}

/** s[:n] in Python: the first n code points (not UTF-16 units). */
export function pyPrefix(s: string, n: number): string {
  return Array.from(s).slice(0, n).join("");
}

/** str.strip() with no argument: Python white space removed at both ends. */
export function pyStrip(s: string): string {
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  while (a < b && isPySpace((cps[a] as string).codePointAt(0) as number)) a++;
  while (b > a && isPySpace((cps[b - 1] as string).codePointAt(0) as number)) b--;
  return cps.slice(a, b).join("");
}

/** str.split() with no argument: runs of Python white space separate, none at the ends. */
export function pySplit(s: string): string[] {
  const out: string[] = [];
  let word = "";
  for (const ch of s) {
    if (isPySpace(ch.codePointAt(0) as number)) {
      if (word !== "") out.push(word);
      word = "";
    } else word += ch;
  }
  if (word !== "") out.push(word);
  return out;
}

/** " ".join(s.split()): white-space runs as one space, ends trimmed. */
export function pyCollapse(s: string): string {
  return pySplit(s).join(" ");
}

/** The white space PyLong_FromString skips around an int literal (ASCII, after the mapping below). */
const ASCII_INT_SPACE = /^[ \t\n\v\f\r]*([+-]?)([0-9](?:_?[0-9])*)[ \t\n\v\f\r]*$/;

/**
 * Python's int(text) (base 10): the value, or undefined where Python raises
 * ValueError. As CPython does, non-ASCII white space counts as a space and
 * every Unicode decimal digit as its ASCII digit, then an optional sign and
 * digits with single underscores between them, surrounded by ASCII white
 * space, must make up the whole text. ASCII control separators (\x1c..\x1f)
 * are white space for str.isspace but not here, as in CPython. A value
 * beyond 2^53 - 1 (no exact JavaScript number) is undefined too.
 */
export function pyInt(text: string): number | undefined {
  let ascii = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 127) ascii += ch;
    else if (isPySpace(cp)) ascii += " ";
    else {
      const d = decimalValue(cp);
      if (d < 0) return undefined;
      ascii += String(d);
    }
  }
  const m = ASCII_INT_SPACE.exec(ascii);
  if (!m) return undefined;
  const digits = (m[2] as string).replaceAll("_", "");
  const v = Number(digits);
  if (!Number.isSafeInteger(v)) return undefined;
  return m[1] === "-" && v !== 0 ? -v : v;
}

/**
 * Python's ordering of str (sorted(os.listdir(...))): by code point. UTF-16
 * code-unit order differs only where a character above U+FFFF (a surrogate
 * pair) meets one in U+E000..U+FFFF; units are shifted so that the pair
 * sorts last, as its code point does.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}
