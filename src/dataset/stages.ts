// The build as stages over the walk's units (pipeline.md section 10), written
// once for every way of running it:
//   walk/decode  one unit per Wehr stimulus file of the index, then one per
//                session folder (src/ac1/release.ts): zip members inflated,
//                MAT variables decoded, raw repeats cut;
//   clean        processCell on the session's cell: gating, PSTH, binning
//                (a session unit runs walk then clean and returns the blocks);
//   stims        one unit per registered stim: its samples made from the
//                walk's reference (loadStimWaveform), its tensor computed.
// The units are in units.ts. They run through a BuildExecutor (executors.ts):
// on this thread (inlineExecutor, the serial build) or on worker threads
// (src/parallel/). Results come back in walking order to one DatasetAssembler
// and the units' reports are replayed in that order, so every executor gives
// the same dataset, bit for bit, with the same warnings, skipped files and
// progress events; the stims' tensors are gathered by StimTensors
// (build-stims.ts). With a StageCache (src/dataset/intermediates.ts), each
// unit first looks for its result in the intermediate-results cache and
// stores what it computes: a Wehr stimulus file -> its index entry; a session
// and the cleaning options up to the gating thresholds -> its cleaned cell
// (cleanCell complete), re-gated by finishCell; a stim and its tensor's
// options -> its tensor. This module runs the build (runBuild, buildDataset).

import { replayWalkEvents, type WalkReporting } from "../ac1/common.js";
import { planReleaseWalk } from "../ac1/release.js";
import { StimFileStore } from "../ac1/stim-files.js";
import { addWehrStimEntry, type WehrStimIndex } from "../ac1/wehr.js";
import { releaseIdleArenas } from "../dsp/arena.js";
import { failPoint, pausePoint } from "../test-hooks.js";
import { cellProgress, DatasetAssembler } from "./assembler.js";
import { type BuildOptions, type BuildSetup, selectionOf, startBuild } from "./build.js";
import { type BuildFlow, emptyFlow } from "./build-flow.js";
import { StimTensors } from "./build-stims.js";
import { warnAboutCohort } from "./checks.js";
import { materialize } from "./deferred.js";
import { type BuildExecutor, cacheFirstExecutor, inlineExecutor } from "./executors.js";
import { countReuse, stageCache } from "./intermediates.js";
import type { DatasetData, LazyDataset } from "./model.js";
import { orderedMap } from "./ordered.js";
import { type ArrayStore, memoryStore, SpillFile } from "./spill.js";

/**
 * The build: plans the walk of the selected release, reads the Wehr index,
 * walks and cleans the sessions, computes the registered stims, all through
 * `exec`, consuming every result in walking order; then finishes the
 * assembly. Closes the setup's source when the build owns it. The arrays
 * wait in memory, or in a spill file with the setup's spillDir (removed if
 * the build fails; else by the result's release()).
 */
export async function runBuild(
  setup: BuildSetup,
  exec: BuildExecutor,
  flow: BuildFlow = emptyFlow(),
): Promise<LazyDataset> {
  const { options, source, onProgress } = setup;
  let store: ArrayStore;
  try {
    store = setup.spillDir === undefined ? memoryStore() : new SpillFile(setup.spillDir);
  } catch (e) {
    if (setup.ownsSource) await source.close();
    throw e;
  }
  const assembler = new DatasetAssembler(options, store);
  const reporting: WalkReporting = {
    onWarning: (w) => setup.onWarning?.(w),
    onSkippedFile: (path, reason) => assembler.addSkippedFile(path, reason),
  };
  const seen = new Set<string>();
  const stims = new StimTensors(exec, assembler, options, flow, stageCache(setup.intermediates));
  let data: LazyDataset;
  try {
    const t0 = performance.now();
    const plan = await planReleaseWalk(source, selectionOf(options));
    flow.planMs = performance.now() - t0;
    // The Wehr index is read while the Asari sessions, which do not need it,
    // already run; a Wehr session starts once the index is complete. Results
    // are still consumed in walking order: the index first, then the sessions.
    const wehrIndex: WehrStimIndex = new Map();
    const indexed = orderedMap(plan.wehrStimFiles, (file) => exec.wehrStim(file), {
      maxInFlight: exec.window,
      onResult: (r, _file, i) => {
        countReuse(flow.reuse.index, r, i);
        replayWalkEvents(r.events, reporting, seen);
        if (r.entry) addWehrStimEntry(wehrIndex, r.entry, reporting);
      },
    });
    // Its failure surfaces through the sessions, or below.
    indexed.catch(() => {});
    let inFlight = 0;
    await orderedMap(
      plan.sessions,
      (unit, i) => {
        inFlight++;
        flow.maxCellsInFlight = Math.max(flow.maxCellsInFlight, inFlight);
        flow.sessions++;
        const cost = plan.sessionBytes[i] ?? 0;
        return unit.experimenter === "wehr"
          ? indexed.then(() => exec.session(unit, wehrIndex, cost))
          : exec.session(unit, wehrIndex, cost);
      },
      {
        maxInFlight: exec.window,
        onResult: async (r, _unit, i) => {
          await indexed;
          inFlight--;
          countReuse(flow.reuse.clean, r, i);
          replayWalkEvents(r.events, reporting, seen);
          if (r.outcome === null) return;
          // Test hooks (inert unless AC1_TEST_PAUSE_AT / AC1_TEST_FAIL_AT name "build-cell").
          await pausePoint("build-cell");
          failPoint("build-cell");
          assembler.addCell(r.outcome);
          // Stims this cell registered start now.
          stims.startNew();
          onProgress?.(cellProgress(assembler, r.outcome));
        },
      },
    );
    await indexed;
    const t1 = performance.now();
    flow.cellsPhaseMs = t1 - t0;
    await stims.drain((done, total) => onProgress?.({ phase: "stims", done, total }));
    data = assembler.finish((spec, Tcanon, s) => stims.tensorFor(spec, Tcanon, s));
    flow.stimsPhaseMs = performance.now() - t1;
  } catch (e) {
    store.close();
    throw e;
  } finally {
    // The sessions run on this thread (a serial build) kept their repeats' arenas: let them go.
    releaseIdleArenas();
    if (setup.ownsSource) await source.close();
  }
  warnAboutCohort(data, setup.onWarning);
  setup.onReuse?.(flow.reuse);
  return data;
}

/**
 * Builds the dataset from the release (pipeline.md section 10) on this
 * thread: startBuild, then every unit of the walk in turn (runBuild with
 * inlineExecutor, behind cacheFirstExecutor).
 */
export async function buildDataset(input: BuildOptions = {}): Promise<DatasetData> {
  return materialize(await buildDatasetLazy(input));
}

/** buildDataset with the arrays read on demand (in a spill file with `spillDir`): release() the result. */
export async function buildDatasetLazy(input: BuildOptions = {}): Promise<LazyDataset> {
  const setup = await startBuild(input);
  const ctx = {
    options: setup.options,
    store: new StimFileStore(setup.source),
    cache: stageCache(setup.intermediates),
  };
  return runBuild(setup, cacheFirstExecutor(ctx, inlineExecutor(ctx)));
}
