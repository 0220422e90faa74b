// The neuron-quality keys across JSON (NaN and infinities as null, back as
// NaN, only for the quality keys) and the summary line `ac1 info` prints.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  QUALITY_KEYS,
  qualityFromJson,
  qualitySummaryLine,
  qualityToJson,
} from "../../src/dataset/quality.js";

test("qualityToJson: non-finite quality values become null, nothing else changes, no key is added", () => {
  const meta = {
    session: "s",
    penetration: 2,
    snr: Number.NaN,
    ccmax: 1,
    signal_power: Number.POSITIVE_INFINITY,
  };
  const out = qualityToJson(meta);
  assert.deepEqual(out, { session: "s", penetration: 2, snr: null, ccmax: 1, signal_power: null });
  assert.ok(Number.isNaN(meta.snr)); // the input is not modified
  assert.deepEqual(qualityToJson({ session: "s" }), { session: "s" });
});

test("qualityFromJson: null quality values become NaN, other nulls stay", () => {
  const out = qualityFromJson({ session: null, snr: null, ccmax: 0.5, noise_power: null });
  assert.equal(out.session, null);
  assert.ok(Number.isNaN(out.snr));
  assert.equal(out.ccmax, 0.5);
  assert.ok(Number.isNaN(out.noise_power));
  assert.ok(!("signal_power" in out));
  assert.deepEqual(QUALITY_KEYS, ["snr", "ccmax", "signal_power", "noise_power"]);
});

test("qualitySummaryLine: medians and ranges over the defined values, NaN and null skipped", () => {
  const line = qualitySummaryLine([
    { snr: 1, ccmax: 0.5 },
    { snr: 3, ccmax: null },
    { snr: Number.NaN, ccmax: 0.9 },
    { snr: 2, ccmax: 1 },
  ]);
  assert.equal(
    line,
    "quality:       snr median 2.00 (1.00 .. 3.00, 3 of 4); ccmax median 0.900 (0.500 .. 1.00, 3 of 4)",
  );
  assert.equal(
    qualitySummaryLine([{ snr: null, ccmax: 1 }]),
    "quality:       snr none of 1; ccmax median 1.00 (1.00 .. 1.00, 1 of 1)",
  );
  assert.match(qualitySummaryLine([{ session: "a" }, { session: "b" }]), /not stored \(older export\)/);
});
