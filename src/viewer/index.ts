// The viewer's public entry point: open an .npz export lazily and serve the
// local web viewer for it on 127.0.0.1 (see server.ts, data.ts, web/ and
// README.md for the layout).

import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { isAc1Error, ViewerOpenError } from "../errors.js";
import { type ExportView, openDatasetExport } from "../export/index.js";
import { notRegularFile } from "../file-reads.js";
import { ViewerData } from "./data.js";
import { ViewerEvaluation } from "./evaluation.js";
import { startViewerServer, type ViewerServer } from "./server.js";
import type { ViewerSource } from "./source.js";

export type * from "./api-types.js";
export { ViewerData } from "./data.js";
export { ViewerEvaluation } from "./evaluation.js";
export { decodePayload, encodePayload, PAIR_MAGIC } from "./payload.js";
export {
  CONTENT_SECURITY_POLICY,
  startViewerServer,
  VIEWER_HOST,
  type ViewerServer,
  vetRequestTarget,
} from "./server.js";
export type { ViewerSource } from "./source.js";

/** The export given to `ac1 view` cannot be opened; defined in src/errors.ts. */
export { ViewerOpenError };

export interface OpenViewerOptions {
  /** TCP port on 127.0.0.1 (default: a free ephemeral port). */
  port?: number;
  /** A PRED.npz of predictions to draw and score (`ac1 view --pred`), read and checked whole at startup. */
  pred?: string;
}

/**
 * Opens `path` (an ac1-npz export) without reading its arrays and serves the
 * viewer for it. Fails with one clear line for a missing, unreadable or
 * corrupt file, and (before serving anything) for a PRED.npz that
 * `ac1 score` would refuse (a PredictionError naming the key).
 */
export async function openViewer(path: string, opts: OpenViewerOptions = {}): Promise<ViewerServer> {
  try {
    const notFile = notRegularFile(await stat(path));
    if (notFile !== undefined) throw new ViewerOpenError(`${path}: ${notFile}`);
  } catch (e) {
    if (e instanceof ViewerOpenError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ViewerOpenError(
      `${path}: ${code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(e)})`}`,
      e,
    );
  }
  let view: ExportView;
  try {
    view = await openDatasetExport(path);
  } catch (e) {
    if (isAc1Error(e)) throw e;
    throw new ViewerOpenError(
      `${path}: not a readable ac1-npz export (${e instanceof Error ? e.message : String(e)})`,
      e,
    );
  }
  const source: ViewerSource = view;
  let evaluation: ViewerEvaluation;
  try {
    evaluation = await ViewerEvaluation.open(
      view,
      opts.pred,
      opts.pred === undefined ? undefined : basename(opts.pred),
    );
  } catch (e) {
    await view.close();
    throw e;
  }
  try {
    return await startViewerServer(new ViewerData(source, basename(path), evaluation), { port: opts.port });
  } catch (e) {
    await source.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new ViewerOpenError(`--port ${opts.port}: port already in use on 127.0.0.1`, e);
    if (code === "EACCES")
      throw new ViewerOpenError(`--port ${opts.port}: permission denied on 127.0.0.1`, e);
    throw e;
  }
}
