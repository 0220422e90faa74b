// The AC1 preprocessing (medgauss, gating, PSTH, binning, ramp) against golden
// vectors computed with numpy/scipy from pipeline.md sections 4-8.
import assert from "node:assert/strict";
import { test } from "node:test";
import { binResponse } from "../../src/preprocess/binning.js";
import { type GatingThresholds, gateRepeats } from "../../src/preprocess/gating.js";
import { medgauss } from "../../src/preprocess/medgauss.js";
import { spikePsth } from "../../src/preprocess/psth.js";
import { rampSegment } from "../../src/preprocess/ramp.js";
import { assertClose, evalRecipe, goldenArray, goldenCases } from "../dsp/golden.js";

const REL = 1e-9;

test("medgauss matches the scipy reference", () => {
  for (const c of goldenCases("medgauss")) {
    const got = medgauss(evalRecipe(c.input), c.sfHz as number, c.medMs as number, c.gaussMs as number);
    assertClose(got, goldenArray(c.expected), REL, c.name);
  }
});

test("gating: identical fates, matching statistics and kept traces", () => {
  for (const c of goldenCases("gating")) {
    const repeats = (c.inputs as unknown[]).map(evalRecipe);
    const res = gateRepeats(repeats, c.sfHz as number, {
      gating: c.gating as GatingThresholds,
      detrendMedMs: c.detrendMedMs as number,
      detrendGaussMs: c.detrendGaussMs as number,
    });
    assert.deepEqual(res.fates, c.fates, c.name);
    const wantStats = c.stats as { maxAbsMv: number | null; stepFrac: number; r: number }[];
    assert.equal(res.stats.length, wantStats.length);
    res.stats.forEach((s, i) => {
      const w = wantStats[i]!;
      if (w.maxAbsMv === null) assert.ok(Number.isNaN(s.maxAbsMv), `${c.name} [${i}] maxAbsMv`);
      else
        assert.ok(
          Math.abs(s.maxAbsMv - w.maxAbsMv) <= REL * Math.max(1, w.maxAbsMv),
          `${c.name} [${i}] maxAbsMv ${s.maxAbsMv} vs ${w.maxAbsMv}`,
        );
      assert.equal(s.stepFrac, w.stepFrac, `${c.name} [${i}] stepFrac`);
      assert.ok(Math.abs(s.r - w.r) <= 1e-9, `${c.name} [${i}] r ${s.r} vs ${w.r}`);
    });
    const keptIdx = res.fates.flatMap((f, i) => (f === "kept" ? [i] : []));
    assert.equal(res.kept.length, keptIdx.length);
    // Kept traces are the full-length detrended repeats, in order.
    keptIdx.forEach((i, j) => {
      assert.deepEqual(
        res.kept[j],
        medgauss(repeats[i]!, c.sfHz as number, c.detrendMedMs as number, c.detrendGaussMs as number),
      );
    });
    if (c.kept) {
      for (const [j, ref] of (c.kept as unknown[]).entries()) {
        assertClose(res.kept[j]!, goldenArray(ref), REL, `${c.name} kept ${j}`);
      }
    }
  }
});

test("spike PSTH matches the reference", () => {
  for (const c of goldenCases("psth")) {
    const got = spikePsth(evalRecipe(c.input), c.sfHz as number, c.medMs as number, c.gaussMs as number);
    assertClose(got, goldenArray(c.expected), REL, c.name);
  }
});

test("binning matches the reference, including rounding ties", () => {
  for (const c of goldenCases("binning")) {
    const got = binResponse(evalRecipe(c.input), c.sfHz as number, c.dtMs as number);
    assertClose(got, goldenArray(c.expected), REL, c.name);
  }
});

test("segment ramp matches the reference", () => {
  for (const c of goldenCases("ramp")) {
    const got = rampSegment(evalRecipe(c.input), c.sfHz as number, c.rampMs as number);
    assertClose(got, goldenArray(c.expected), REL, c.name);
  }
});
