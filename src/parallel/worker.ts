// Entry point of a dataset-build worker thread (started by build.ts through
// the pool, or earlier by prestart.ts): opens the release itself (by the
// build's path, reading only the parts it needs), then walks and cleans
// sessions, reads Wehr stimulus files and computes stim tensors with the
// build's options, received once as the pool's setup message (before any
// task). Its stimulus files (StimFileStore) and the spectrogram kernel cache
// of src/dsp live on across tasks.

import { StimFileStore } from "../ac1/stim-files.js";
import { openRelease } from "../archive/release.js";
import { stageCache } from "../dataset/intermediates.js";
import type { StageContext } from "../dataset/units.js";
import { adoptTempStop } from "../temp-files.js";
import { serveTasks } from "./serve.js";
import { type BuildResult, type BuildTask, type BuildWorkerData, runBuildTask } from "./tasks.js";

let setup: BuildWorkerData | undefined;
let context: Promise<StageContext> | undefined;

/** The release opened on the first task (a failure fails that task, and the next ones the same way). */
function stageContext(): Promise<StageContext> {
  if (setup === undefined) return Promise.reject(new Error("build worker: a task came before the setup"));
  const { options, need, stimStoreBytes, intermediates } = setup;
  context ??= openRelease(options.path, { need }).then((source) => ({
    options,
    store: new StimFileStore(source, stimStoreBytes),
    cache: stageCache(intermediates),
  }));
  return context;
}

serveTasks<BuildTask, BuildResult, BuildWorkerData>(
  async (task) => runBuildTask(task, await stageContext()),
  {
    onSetup: (data) => {
      setup = data;
      // An interrupt of the process stops this thread's temp files too (src/temp-files.ts).
      if (data.tempStop !== undefined) adoptTempStop(data.tempStop);
    },
  },
);
