// Public surface of the parallel layer: the worker-thread dataset build and
// the generic pieces it is made of (pool, ordered bounded fan-out, wire format).

export { type OrderedMapOptions, orderedMap } from "../dataset/ordered.js";
export {
  buildDatasetParallel,
  defaultJobs,
  type ParallelBuildOptions,
  type ParallelBuildStats,
  resolveJobs,
} from "./build.js";
export { type RunOptions, WorkerError, WorkerPool, type WorkerPoolOptions } from "./pool.js";
export { serveTasks, type TaskAnswer } from "./serve.js";
export { compact, type ReplyMessage, type TaskMessage, transferablesOf } from "./wire.js";
