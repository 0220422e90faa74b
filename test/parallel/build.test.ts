// The parallel build against the serial one on the small synthetic archive:
// with 2 and 3 worker threads, in spectrogram and waveform mode and with
// filters, the DatasetData is identical bit for bit (every float array
// compared bytewise, metadata, order, tallies, skipped files, provenance),
// the warnings and progress events are the same, at most 16 x jobs cells are
// in flight, and failures surface as the same errors.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { writeSynthArchive } from "../../src/ac1/index.js";
import type { BuildProgress, BuildWarning } from "../../src/dataset/build.js";
import type { DatasetData } from "../../src/dataset/model.js";
import type { DatasetOptionsInput } from "../../src/dataset/options.js";
import { buildDataset } from "../../src/dataset/stages.js";
import { Ac1Error, OptionError } from "../../src/errors.js";
import {
  buildDatasetParallel,
  DEFAULT_CELLS_IN_FLIGHT_PER_JOB,
  type ParallelBuildStats,
  resolveJobs,
} from "../../src/parallel/build.js";
import { prestartBuildWorkers, takePrestartedWorkers } from "../../src/parallel/prestart.js";
import { tempDir } from "../support/cli.js";
import { assertSameDataset } from "./compare.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ dir, cleanup } = await tempDir("ac1-parallel-"));
  await writeSynthArchive(dir, { scale: "small", seed: 2009 });
});
after(() => cleanup());

interface Run {
  data: DatasetData;
  warnings: BuildWarning[];
  events: BuildProgress[];
  stats: ParallelBuildStats | null;
}

async function serial(opts: DatasetOptionsInput): Promise<Run> {
  const warnings: BuildWarning[] = [];
  const events: BuildProgress[] = [];
  const data = await buildDataset({
    ...opts,
    path: dir,
    onWarning: (w) => warnings.push(w),
    onProgress: (e) => events.push(e),
  });
  return { data, warnings, events, stats: null };
}

async function parallel(opts: DatasetOptionsInput, jobs: number): Promise<Run> {
  const warnings: BuildWarning[] = [];
  const events: BuildProgress[] = [];
  let stats: ParallelBuildStats | null = null;
  const data = await buildDatasetParallel({
    ...opts,
    path: dir,
    jobs,
    onWarning: (w) => warnings.push(w),
    onProgress: (e) => events.push(e),
    onStats: (s) => {
      stats = s;
    },
  });
  return { data, warnings, events, stats };
}

const cases: [string, DatasetOptionsInput][] = [
  ["defaults (spectrogram, mixed cohort)", {}],
  ["waveform mode", { returnWaveform: true, audioFs: 16000 }],
  ["asari MGB only, other dt and bands", { experimenter: "asari", sites: "MGB", dtMs: 10, binsPerOctave: 3 }],
  ["keepRejected (rejected repeats, spike counts)", { keepRejected: true }],
];

describe("buildDatasetParallel is the serial build, bit for bit", () => {
  for (const [name, opts] of cases) {
    it(name, async () => {
      const ref = await serial(opts);
      assert.ok(ref.data.neuronMeta.length > 0 && ref.data.stims.length > 0, "the case builds something");
      if (opts.keepRejected) {
        const rows = ref.data.rejected?.blocks.flat().reduce((a, b) => a + (b?.shape[0] ?? 0), 0) ?? 0;
        assert.ok(rows > 0, "rejected repeats are kept");
        assert.ok(
          ref.data.spikeCounts?.some((row) => row.some((c) => c !== null)),
          "spike counts present",
        );
      }
      for (const jobs of [2, 3]) {
        const got = await parallel(opts, jobs);
        assertSameDataset(ref.data, got.data);
        assert.deepStrictEqual(got.warnings, ref.warnings, `jobs ${jobs}: warnings`);
        assert.deepStrictEqual(got.events, ref.events, `jobs ${jobs}: progress events`);
        const stats = got.stats as ParallelBuildStats | null;
        assert.ok(stats, "stats reported");
        assert.equal(stats.jobs, jobs);
        assert.equal(stats.stims, ref.data.stims.length, "every stim computed by the workers");
        assert.equal(stats.stimsOnMainThread, 0);
        assert.ok(
          stats.maxCellsInFlight >= 1 && stats.maxCellsInFlight <= DEFAULT_CELLS_IN_FLIGHT_PER_JOB * jobs,
          `in flight ${stats.maxCellsInFlight}`,
        );
      }
    });
  }

  it("keeps a smaller in-flight window when asked, with the same result", async () => {
    const ref = await serial({ experimenter: "asari" });
    let stats: ParallelBuildStats | null = null;
    const data = await buildDatasetParallel({
      path: dir,
      experimenter: "asari",
      jobs: 3,
      maxCellsInFlight: 1,
      onWarning: () => {},
      onStats: (s) => {
        stats = s;
      },
    });
    assertSameDataset(ref.data, data);
    assert.equal((stats as ParallelBuildStats | null)?.maxCellsInFlight, 1);
    await assert.rejects(
      buildDatasetParallel({ path: dir, jobs: 2, maxCellsInFlight: 0 }),
      /invalid option maxCellsInFlight=0/,
    );
  });

  it("adopts workers started ahead (prestartBuildWorkers), with the same result; leftovers are ended", async () => {
    const ref = await serial({});
    assert.equal(prestartBuildWorkers(3), 3);
    assert.equal(prestartBuildWorkers(3), 0, "already waiting");
    const got = await parallel({}, 2);
    assertSameDataset(ref.data, got.data);
    assert.deepStrictEqual(got.warnings, ref.warnings);
    assert.deepStrictEqual(got.events, ref.events);
    assert.equal((got.stats as ParallelBuildStats | null)?.adoptedWorkers, 2);
    assert.deepEqual(takePrestartedWorkers(5), [], "the third was ended by the build");
    const plain = await parallel({}, 2);
    assert.equal((plain.stats as ParallelBuildStats | null)?.adoptedWorkers, 0);
    // a build that fails before it starts a pool, or runs on this thread, ends them too
    prestartBuildWorkers(2);
    await assert.rejects(buildDatasetParallel({ path: "/nonexistent/ac1", jobs: 2 }), Ac1Error);
    assert.deepEqual(takePrestartedWorkers(5), []);
    prestartBuildWorkers(2);
    await parallel({ experimenter: "wehr" }, 1);
    assert.deepEqual(takePrestartedWorkers(5), []);
  });

  it("jobs 1 is the serial build", async () => {
    const ref = await serial({ experimenter: "wehr" });
    const got = await parallel({ experimenter: "wehr" }, 1);
    assertSameDataset(ref.data, got.data);
    assert.equal(got.stats, null, "no workers, no stats");
  });
});

describe("failures", () => {
  it("gives the serial build's error when no cell matches", async () => {
    const opts: DatasetOptionsInput = { experimenter: "wehr", sites: "MGB" };
    const serialError = await serial(opts).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(serialError instanceof Ac1Error, "the serial build fails");
    await assert.rejects(parallel(opts, 2), (e: unknown) => {
      assert.ok(e instanceof Ac1Error);
      assert.equal(e.code, serialError.code);
      assert.equal(e.message, serialError.message);
      return true;
    });
  });

  it("gives the serial build's error for a folder without the release", async () => {
    const { dir: empty, cleanup: done } = await tempDir("ac1-parallel-empty-");
    try {
      const serialError = await buildDataset({ path: empty }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(serialError instanceof Ac1Error);
      await assert.rejects(buildDatasetParallel({ path: empty, jobs: 2 }), {
        name: serialError.name,
        message: serialError.message,
      });
    } finally {
      await done();
    }
  });

  it("checks jobs and the dataset options before reading anything", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(buildDatasetParallel({ path: "/nonexistent/ac1", jobs: bad }), (e: unknown) => {
        assert.ok(e instanceof OptionError);
        assert.match(e.message, /^invalid option jobs=/);
        return true;
      });
    }
    await assert.rejects(
      buildDatasetParallel({ path: "/nonexistent/ac1", jobs: 2, dtMs: -5 }),
      /invalid option dtMs=-5/,
    );
    assert.ok(resolveJobs(undefined) >= 1);
    assert.equal(resolveJobs(4), 4);
  });
});
