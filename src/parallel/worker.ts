// Entry point of a dataset-build worker thread (started by build.ts through
// the pool): processes cells and computes stim tensors with the build's
// options, received once as workerData. The spectrogram kernel cache of
// src/dsp lives on in each worker across stims.

import { workerData } from "node:worker_threads";
import { serveTasks } from "./serve.js";
import { type BuildResult, type BuildTask, type BuildWorkerData, runBuildTask } from "./tasks.js";

const { options } = workerData as BuildWorkerData;

serveTasks<BuildTask, BuildResult>((task) => runBuildTask(task, options));
