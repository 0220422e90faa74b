// .npy primitives: numpy-written goldens parse to the right values, headers we
// write follow the format (and round-trip), and hostile inputs fail with an
// ExportError instead of a crash or a huge allocation.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ExportError } from "../../src/export/errors.js";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { npyTypedArray } from "../../src/export/npy-dtype.js";
import { parseNpy } from "../../src/export/npy-parse.js";
import { decodeUnicodeScalar, encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { fixture } from "../support/paths.js";

type Golden = { dtype: string; shape: number[]; fortran_order: boolean; values: unknown; version: number[] };
const goldens = JSON.parse(readFileSync(fixture("export", "npy", "expected.json"), "utf8")) as Record<
  string,
  Golden
>;

function jsonValue(v: number | bigint): unknown {
  if (typeof v === "bigint") return v.toString();
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

function npyBytes(headerText: string, data: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const text = Buffer.from(headerText, "latin1");
  const out = new Uint8Array(pre + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(data, pre + text.length);
  return out;
}

describe("parseNpy on numpy-written files", () => {
  for (const [name, g] of Object.entries(goldens)) {
    it(`${name} (${g.dtype}, v${g.version.join(".")})`, () => {
      const bytes = new Uint8Array(readFileSync(fixture("export", "npy", `${name}.npy`)));
      const p = parseNpy(bytes, name);
      assert.equal(p.dtype, g.dtype);
      assert.deepEqual(p.shape, g.shape);
      assert.equal(p.fortranOrder, g.fortran_order);
      if (g.dtype.includes("U")) {
        assert.equal(decodeUnicodeScalar(p, name), g.values);
      } else {
        const arr = npyTypedArray(p, name);
        assert.deepEqual(Array.from(arr as ArrayLike<number | bigint>, jsonValue), g.values);
      }
    });
  }
});

describe("encodeNpyHeader", () => {
  it("writes a v1.0 header padded to 64 bytes that numpy's layout rules accept", () => {
    const h = encodeNpyHeader("<f4", [2, 3]);
    assert.equal(h.length % 64, 0);
    assert.equal(h[6], 1);
    assert.equal(h[h.length - 1], 0x0a);
    const text = Buffer.from(h.subarray(10)).toString("latin1");
    assert.match(text, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    assert.equal(h[8]! | (h[9]! << 8), h.length - 10);
  });

  it("uses numpy's tuple syntax for 0-d and 1-d shapes", () => {
    assert.match(Buffer.from(encodeNpyHeader("<U3", [])).toString("latin1"), /'shape': \(\), \}/);
    assert.match(Buffer.from(encodeNpyHeader("|u1", [5])).toString("latin1"), /'shape': \(5,\), \}/);
  });

  it("rejects unknown dtypes and bad shapes", () => {
    assert.throws(() => encodeNpyHeader("<c8", [1]), ExportError);
    assert.throws(() => encodeNpyHeader("<f4", [-1]), ExportError);
    assert.throws(() => encodeNpyHeader("<f4", [1.5]), ExportError);
  });

  it("round-trips any dtype and shape through parseNpy (property)", () => {
    const dtypes = ["<f4", "<f8", "<i4", "<i8", "|u1", "|b1", "<u2", "<i2", "<U5"];
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 255 }),
        (dtype, shape, fill) => {
          const header = encodeNpyHeader(dtype, shape);
          const item = dtype === "<U5" ? 20 : Number(dtype.slice(2));
          const n = shape.reduce((a, b) => a * b, 1) * item;
          const bytes = new Uint8Array(header.length + n).fill(fill);
          bytes.set(header);
          const p = parseNpy(bytes, "prop");
          assert.equal(p.dtype, dtype);
          assert.deepEqual(p.shape, shape);
          assert.equal(p.fortranOrder, false);
          assert.equal(p.data.length, n);
          assert.equal(header.length % 64, 0);
        },
      ),
    );
  });
});

describe("unicode scalars", () => {
  it("encodes code points (not UTF-16 units) as UTF-32LE and decodes them back", () => {
    const s = 'é 🐦 {"a": 1}';
    const u = encodeUnicodeScalar(s);
    assert.equal(u.dtype, `<U${[...s].length}`);
    assert.equal(u.data.length, 4 * [...s].length);
    assert.equal(new DataView(u.data.buffer).getUint32(8, true), 0x1f426);
    assert.equal(decodeUnicodeScalar({ dtype: u.dtype, shape: [], data: u.data }, "u"), s);
  });

  it("encodes the empty string as <U1 and drops trailing NULs when decoding", () => {
    const u = encodeUnicodeScalar("");
    assert.equal(u.dtype, "<U1");
    assert.equal(decodeUnicodeScalar({ dtype: u.dtype, shape: [], data: u.data }, "u"), "");
  });

  it("rejects invalid code points and non-scalar shapes", () => {
    const bad = new Uint8Array(4);
    new DataView(bad.buffer).setUint32(0, 0x110000, true);
    assert.throws(() => decodeUnicodeScalar({ dtype: "<U1", shape: [], data: bad }, "u"), ExportError);
    assert.throws(
      () => decodeUnicodeScalar({ dtype: "<U1", shape: [1], data: new Uint8Array(4) }, "u"),
      ExportError,
    );
    assert.throws(
      () => decodeUnicodeScalar({ dtype: "<f4", shape: [], data: new Uint8Array(4) }, "u"),
      ExportError,
    );
    assert.throws(() => encodeUnicodeScalar("a\ud800b"), ExportError);
  });

  // The code point by code point definition both ways: what the native fast
  // paths (no surrogates, nothing above U+FFFF) must give, error messages included.
  function referenceEncode(s: string): { dtype: string; data: Uint8Array } {
    const points = [...s].map((ch) => ch.codePointAt(0) as number);
    const lone = points.findIndex((cp) => cp >= 0xd800 && cp <= 0xdfff);
    if (lone >= 0)
      throw new ExportError(
        `unicode scalar: lone surrogate U+${(points[lone] as number).toString(16)} at code point ${lone}`,
      );
    const data = new Uint8Array(4 * Math.max(1, points.length));
    for (const [i, cp] of points.entries()) new DataView(data.buffer).setUint32(4 * i, cp, true);
    return { dtype: `<U${Math.max(1, points.length)}`, data };
  }
  function referenceDecode(data: Uint8Array, little: boolean, label: string): string {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const points = Array.from({ length: data.length / 4 }, (_, i) => view.getUint32(4 * i, little));
    while (points.length > 0 && points.at(-1) === 0) points.pop();
    const bad = points.findIndex((cp) => cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff));
    if (bad >= 0)
      throw new ExportError(
        `${label}: invalid code point 0x${(points[bad] as number).toString(16)} at item byte ${4 * bad}`,
      );
    return String.fromCodePoint(...points);
  }
  function outcome(f: () => unknown): unknown {
    try {
      return { value: f() };
    } catch (e) {
      assert.ok(e instanceof ExportError, String(e));
      return { error: e.message };
    }
  }
  // UTF-16 units: mostly ASCII, some BMP, astral pairs and lone surrogates.
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
    { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }) },
    { weight: 1, arbitrary: fc.constantFrom(0xfeff, 0, 0xffff) },
  );
  const text = fc.oneof(
    fc.array(unit, { maxLength: 40 }).map((u) => String.fromCharCode(...u)),
    fc.string({ unit: "grapheme", maxLength: 20 }),
  );

  it("encodes any string as the code point definition does (fast path or not), lone surrogates refused alike", () => {
    fc.assert(
      fc.property(text, (s) => {
        assert.deepEqual(
          outcome(() => encodeUnicodeScalar(s)),
          outcome(() => referenceEncode(s)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes any payload as the code point definition does: either byte order, unaligned, invalid code points named alike", () => {
    const point = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
      { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
      { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }) },
      { weight: 1, arbitrary: fc.oneof(fc.constant(0), fc.integer({ min: 0x110000, max: 0xffffffff })) },
    );
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (points, little, shift) => {
          const buf = new Uint8Array(shift + 4 * points.length);
          const data = buf.subarray(shift);
          const view = new DataView(buf.buffer, shift);
          for (const [i, cp] of points.entries()) view.setUint32(4 * i, cp, little);
          const dtype = `${little ? "<" : ">"}U${Math.max(1, points.length)}`;
          assert.deepEqual(
            outcome(() => decodeUnicodeScalar({ dtype, shape: [], data }, "u")),
            outcome(() => referenceDecode(data, little, "u")),
          );
        },
      ),
      { numRuns: 2000 },
    );
    // a round trip through both fast paths, long enough to matter
    const long = `{"path": "/data/été", "x": "${"ab\u00e9\ufeffc".repeat(30000)}"}`;
    const u = encodeUnicodeScalar(long);
    assert.deepEqual(u, referenceEncode(long));
    assert.equal(decodeUnicodeScalar({ dtype: u.dtype, shape: [], data: u.data }, "u"), long);
  });
});

describe("hostile .npy input", () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty input", new Uint8Array(0), /truncated/],
    [
      "bad magic",
      (() => {
        const b = npyBytes(good, new Uint8Array(8));
        b[1] = 0x4f;
        return b;
      })(),
      /bad magic at byte 1/,
    ],
    ["version 4.0", npyBytes(good, new Uint8Array(8), 4), /version 4\.0/],
    ["header longer than the file", npyBytes(good).subarray(0, 30), /truncated/],
    ["shape larger than data", npyBytes(good, new Uint8Array(4)), /truncated.*needs 8 bytes.*found 4/],
    ["trailing bytes", npyBytes(good, new Uint8Array(12)), /trailing bytes/],
    [
      "huge shape",
      npyBytes(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n",
        new Uint8Array(8),
      ),
      /impossibly large|truncated/,
    ],
    [
      "negative dim",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n"),
      /bad \.npy header/,
    ],
    [
      "missing key",
      npyBytes("{'descr': '<f4', 'shape': (2,), }\n", new Uint8Array(8)),
      /exactly descr, fortran_order and shape/,
    ],
    [
      "extra key",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}\n", new Uint8Array(8)),
      /exactly/,
    ],
    [
      "structured dtype",
      npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }\n"),
      /structured/,
    ],
    [
      "complex dtype",
      npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }\n", new Uint8Array(16)),
      /unsupported \.npy dtype/,
    ],
    [
      "object dtype",
      npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", new Uint8Array(16)),
      /unsupported \.npy dtype/,
    ],
    [
      "one-tuple without comma",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }\n", new Uint8Array(8)),
      /trailing comma/,
    ],
    [
      "code after the dict",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } + 1\n", new Uint8Array(8)),
      /trailing characters/,
    ],
    [
      "fortran_order not a bool",
      npyBytes("{'descr': '<f4', 'fortran_order': 'no', 'shape': (2,), }\n", new Uint8Array(8)),
      /fortran_order/,
    ],
    [
      "v2 header length beyond the cap",
      (() => {
        const b = npyBytes(good, new Uint8Array(8), 2);
        new DataView(b.buffer).setUint32(8, 0xfffffff0, true);
        return b;
      })(),
      /exceeds the limit/,
    ],
  ];
  for (const [name, bytes, re] of cases) {
    it(name, () => {
      assert.throws(
        () => parseNpy(bytes, "evil.npy"),
        (e: unknown) => e instanceof ExportError && e.message.startsWith("evil.npy") && re.test(e.message),
      );
    });
  }

  it("never throws anything but ExportError on random bytes after the magic (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const b = new Uint8Array(8 + tail.length);
        b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
        b.set(tail, 8);
        try {
          parseNpy(b, "r");
        } catch (e) {
          assert.ok(e instanceof ExportError, String(e));
        }
      }),
    );
  });

  it("copies unaligned payloads instead of failing", () => {
    const header = encodeNpyHeader("<f4", [2]);
    const buf = new Uint8Array(header.length + 9);
    buf.set(header, 1);
    new DataView(buf.buffer).setFloat32(1 + header.length, 1.5, true);
    new DataView(buf.buffer).setFloat32(1 + header.length + 4, -2, true);
    const p = parseNpy(buf.subarray(1), "u");
    assert.deepEqual(Array.from(npyTypedArray(p) as Float32Array), [1.5, -2]);
  });
});
