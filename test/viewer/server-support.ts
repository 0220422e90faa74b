// Shared helpers of the viewer server tests: requests sent with the target
// exactly as given (raw) or read as JSON, and a viewer opened on the export
// fixture.ts writes into a temporary folder.

import { request } from "node:http";
import type { DatasetData } from "../../src/dataset/model.js";
import { openViewer, type ViewerServer } from "../../src/viewer/index.js";
import { tempDir } from "../support/cli.js";
import { writeFixture } from "./fixture.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends a request with the target exactly as given (no URL normalisation). */
export function raw(
  port: number,
  path: string,
  opts: { method?: string; host?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: opts.method ?? "GET",
        headers: opts.host ? { Host: opts.host } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** GETs `path` and parses the JSON body; T is the document the caller expects (src/viewer/api-types.ts). */
export async function json<T = unknown>(
  port: number,
  path: string,
): Promise<{ status: number; type: string; body: T }> {
  const r = await raw(port, path);
  return {
    status: r.status,
    type: String(r.headers["content-type"]),
    body: JSON.parse(r.body.toString("utf8")),
  };
}

/** A viewer serving the fixture's export (`data`); `close` stops it and removes the export. */
export interface FixtureViewer {
  viewer: ViewerServer;
  data: DatasetData;
  port: number;
  close: () => Promise<void>;
}

export async function openFixtureViewer(): Promise<FixtureViewer> {
  const tmp = await tempDir("ac1-viewer-");
  try {
    const f = await writeFixture(tmp.dir);
    const viewer = await openViewer(f.path);
    const close = async () => {
      await viewer.close();
      await tmp.cleanup();
    };
    return { viewer, data: f.data, port: viewer.port, close };
  } catch (e) {
    await tmp.cleanup();
    throw e;
  }
}
