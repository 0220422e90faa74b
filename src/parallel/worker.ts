// Entry point of a dataset-build worker thread (started by build.ts through
// the pool): opens the release itself (by the build's path, reading only the
// parts it needs), then walks and cleans sessions, reads Wehr stimulus files
// and computes stim tensors with the build's options, received once as
// workerData. Its stimulus files (StimFileStore) and the spectrogram kernel
// cache of src/dsp live on across tasks.

import { workerData } from "node:worker_threads";
import { StimFileStore } from "../ac1/stim-files.js";
import { openRelease } from "../archive/release.js";
import { stageCache } from "../dataset/intermediates.js";
import type { StageContext } from "../dataset/stages.js";
import { adoptTempStop } from "../temp-files.js";
import { serveTasks } from "./serve.js";
import { type BuildResult, type BuildTask, type BuildWorkerData, runBuildTask } from "./tasks.js";

const { options, need, stimStoreBytes, intermediates, tempStop } = workerData as BuildWorkerData;
// An interrupt of the process stops this thread's temp files too (src/temp-files.ts).
if (tempStop !== undefined) adoptTempStop(tempStop);

let context: Promise<StageContext> | undefined;
/** The release opened on the first task (a failure fails that task, and the next ones the same way). */
function stageContext(): Promise<StageContext> {
  context ??= openRelease(options.path, { need }).then((source) => ({
    options,
    store: new StimFileStore(source, stimStoreBytes),
    cache: stageCache(intermediates),
  }));
  return context;
}

serveTasks<BuildTask, BuildResult>(async (task) => runBuildTask(task, await stageContext()));
