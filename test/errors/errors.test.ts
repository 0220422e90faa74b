// Errors as data (src/errors.ts): one code union with a meaning and a class
// per code, isAc1Error narrowing to the class of a code, owned codes refused
// to anyone but their class (at compile time), errorToData / errorFromData
// giving back the same class with the same fields and cause, and every class
// public and the same object wherever a layer re-exports it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArchiveError as ArchiveErrorOfArchive } from "../../src/archive/index.js";
import { CacheError as CacheErrorOfCache } from "../../src/cache/index.js";
import { UsageError as UsageErrorOfCli } from "../../src/cli/command.js";
import { DatasetInvariantError as InvariantOfDataset } from "../../src/dataset/index.js";
import { DownloadError as DownloadErrorOfDownload } from "../../src/download/index.js";
import {
  AC1_ERROR_CODES,
  Ac1Error,
  type Ac1ErrorCode,
  type DownloadError,
  type ErrorData,
  errorFromData,
  errorToData,
  isAc1Error,
  MatError,
  OptionError,
} from "../../src/errors.js";
import { ExportError as ExportErrorOfExport } from "../../src/export/index.js";
import * as api from "../../src/index.js";
import { MatError as MatErrorOfMat } from "../../src/mat/index.js";
import { WorkerError as WorkerErrorOfParallel } from "../../src/parallel/index.js";
import { ViewerOpenError as ViewerOpenErrorOfViewer } from "../../src/viewer/index.js";
import { assertSameError } from "./compare.js";
import { ERROR_SAMPLES, type ErrorSampleName } from "./samples.js";

const CODES = Object.keys(AC1_ERROR_CODES) as Ac1ErrorCode[];
const SAMPLE_NAMES = Object.keys(ERROR_SAMPLES) as ErrorSampleName[];

describe("the code union", () => {
  it("gives every code a meaning and a class that exists", () => {
    assert.ok(CODES.length >= 20);
    for (const code of CODES) {
      assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/, code);
      const row = AC1_ERROR_CODES[code];
      assert.ok(row.meaning.length > 10, `${code} has a meaning`);
      assert.ok(SAMPLE_NAMES.includes(row.class), `${code}: class ${row.class} is one of the error classes`);
    }
  });

  it("is frozen", () => {
    assert.ok(Object.isFrozen(AC1_ERROR_CODES));
    assert.ok(Object.isFrozen(AC1_ERROR_CODES.MAT_FORMAT));
  });

  it("says which class raises each code, and the classes agree", () => {
    for (const name of SAMPLE_NAMES) {
      const e = ERROR_SAMPLES[name]();
      assert.equal(e.name, name);
      const owner = AC1_ERROR_CODES[e.code].class;
      assert.ok(
        owner === name || owner === "Ac1Error",
        `${name} raises ${e.code}, which belongs to ${owner}`,
      );
    }
    // Every class but the general ones owns at least one code.
    const owners = new Set(CODES.map((c) => AC1_ERROR_CODES[c].class));
    for (const name of SAMPLE_NAMES) {
      if (name !== "Ac1Error" && name !== "OptionError") assert.ok(owners.has(name), `${name} owns a code`);
    }
  });

  it("refuses, at compile time, a code outside the union or a code another class owns", () => {
    // @ts-expect-error: not a code of the union
    const unknown = new Ac1Error("NOT_A_CODE", "x");
    // @ts-expect-error: MAT_FORMAT is MatError's: a bare Ac1Error cannot carry it
    const stolen = new Ac1Error("MAT_FORMAT", "x");
    // (at run time nothing stops JavaScript callers; the compiler does for the project)
    assert.equal(unknown.code, "NOT_A_CODE");
    assert.equal(stolen.code, "MAT_FORMAT");
  });
});

describe("isAc1Error", () => {
  it("narrows to the class of an owned code", () => {
    const e: unknown = new MatError("a.mat", 128, "bad tag");
    assert.ok(isAc1Error(e));
    assert.ok(isAc1Error(e, "MAT_FORMAT"));
    if (isAc1Error(e, "MAT_FORMAT")) {
      const narrowed: MatError = e; // compiles only if narrowed to MatError
      assert.equal(narrowed.offset, 128);
      assert.equal(narrowed.file, "a.mat");
    }
    assert.equal(isAc1Error(e, "ARCHIVE"), false);
    const d: unknown = ERROR_SAMPLES.DownloadError();
    if (isAc1Error(d, "DOWNLOAD_AUTH")) {
      const narrowed: DownloadError = d;
      assert.equal(narrowed.code, "DOWNLOAD_AUTH");
    } else assert.fail("a DOWNLOAD_AUTH DownloadError");
  });

  it("narrows a general code to an Ac1Error carrying it, whatever its class", () => {
    const option: unknown = new OptionError("dtMs", -1, "> 0");
    const plain: unknown = new Ac1Error("OPTION", "normalizeResponses: method must be ...");
    for (const e of [option, plain]) {
      assert.ok(isAc1Error(e, "OPTION"));
      if (isAc1Error(e, "OPTION")) {
        const code: "OPTION" = e.code;
        assert.equal(code, "OPTION");
      }
    }
    assert.ok(option instanceof OptionError && option.option === "dtMs");
  });

  it("is false for anything that is not an Ac1Error", () => {
    for (const v of [
      new Error("x"),
      new TypeError("x"),
      "MAT_FORMAT",
      null,
      undefined,
      { code: "ARCHIVE" },
    ]) {
      assert.equal(isAc1Error(v), false);
      assert.equal(isAc1Error(v, "ARCHIVE"), false);
    }
  });
});

describe("errors as data", () => {
  it("round-trips an error of every class through a structured clone as that class", () => {
    for (const name of SAMPLE_NAMES) {
      const e = ERROR_SAMPLES[name]();
      const data = structuredClone(errorToData(e));
      assert.equal(data.errorClass, name);
      const back = errorFromData(data);
      assertSameError(back, e, name);
      assert.equal(back.stack, e.stack, `${name}: the original stack is kept`);
    }
  });

  it("carries the fields of MatError and OptionError as plain data", () => {
    const data = errorToData(ERROR_SAMPLES.MatError());
    assert.deepEqual(data.fields, {
      file: "crcns-ac1.zip!wehr/cell.mat",
      offset: 4242,
      problem: "tag says 80 bytes, 12 left",
    });
    assert.equal(data.cause?.name, "RangeError");
    assert.deepEqual(errorToData(new OptionError("sites", ["A1", "IC"], "A1, MGB")).fields, {
      option: "sites",
      value: ["A1", "IC"],
      allowed: "A1, MGB",
    });
  });

  it("turns a field a structured clone cannot carry into its text", () => {
    const fn = () => 1;
    const data = errorToData(new OptionError("onProgress", fn, "a function"));
    assert.equal(data.fields?.value, String(fn));
    structuredClone(data);
  });

  it("re-creates JavaScript's own errors as their class, and other values as an Error", () => {
    const t = errorFromData(errorToData(new TypeError("not a function")));
    assert.ok(t instanceof TypeError);
    const s = errorFromData(errorToData("just a string"));
    assert.equal(s.message, "just a string");
    assert.equal(Object.getPrototypeOf(s), Error.prototype);
    const odd = errorFromData({ name: "constructor", message: "x" });
    assert.equal(Object.getPrototypeOf(odd), Error.prototype);
  });

  it("re-creates an owned code as its owner class, and never a general code as an owner class", () => {
    const owned: ErrorData = { name: "Ac1Error", message: "x.mat: byte 1: bad", code: "MAT_FORMAT" };
    assert.ok(errorFromData({ ...owned, errorClass: "Ac1Error" }) instanceof MatError);
    const general: ErrorData = {
      name: "Ac1Error",
      message: "out of range",
      code: "INDEX",
      errorClass: "MatError",
    };
    const g = errorFromData(general);
    assert.equal(Object.getPrototypeOf(g), Ac1Error.prototype);
    assert.ok(isAc1Error(g, "INDEX"));
  });

  it("keeps a bounded cause chain, even a cyclic one", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    let data: ErrorData | undefined = errorToData(a);
    let depth = 0;
    while (data?.cause !== undefined) {
      data = data.cause;
      depth++;
    }
    assert.equal(depth, 8);
    structuredClone(errorToData(a));
  });
});

describe("one class each, public", () => {
  it("exports every class, the guard and the codes from the package root", () => {
    for (const name of SAMPLE_NAMES) {
      const exported = (api as Record<string, unknown>)[name];
      assert.equal(typeof exported, "function", `${name} is exported from src/index.ts`);
      assert.ok(ERROR_SAMPLES[name]() instanceof (exported as new () => Error), name);
    }
    assert.equal(api.isAc1Error, isAc1Error);
    assert.equal(api.AC1_ERROR_CODES, AC1_ERROR_CODES);
    assert.equal(api.errorToData, errorToData);
    assert.equal(api.errorFromData, errorFromData);
  });

  it("has the layers re-export the one definition", () => {
    assert.equal(MatErrorOfMat, api.MatError);
    assert.equal(ArchiveErrorOfArchive, api.ArchiveError);
    assert.equal(ExportErrorOfExport, api.ExportError);
    assert.equal(DownloadErrorOfDownload, api.DownloadError);
    assert.equal(CacheErrorOfCache, api.CacheError);
    assert.equal(WorkerErrorOfParallel, api.WorkerError);
    assert.equal(UsageErrorOfCli, api.UsageError);
    assert.equal(ViewerOpenErrorOfViewer, api.ViewerOpenError);
    assert.equal(InvariantOfDataset, api.DatasetInvariantError);
  });
});
