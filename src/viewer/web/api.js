// @ts-check
// The browser side of the viewer's API: JSON fetches and the decoder of the
// compact binary pair payload ("AC1P": magic, header length, JSON header,
// float32 little-endian arrays; see src/viewer/data.ts encodePayload).

const PAIR_MAGIC = 0x50314341;

/**
 * @param {string} path
 * @returns {Promise<any>}
 */
export async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && typeof body.error === "string") message = body.error;
    } catch {
      // keep the status line
    }
    throw new Error(`${path}: ${message}`);
  }
  return res.json();
}

/**
 * @typedef {{ header: any, arrays: Map<string, Float32Array> }} PairPayload
 */

/**
 * Fetches and decodes an AC1P payload.
 * @param {string} path
 * @returns {Promise<PairPayload>}
 */
async function getPayload(path) {
  const res = await fetch(path);
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && typeof body.error === "string") message = body.error;
    } catch {
      // keep the status line
    }
    throw new Error(`${path}: ${message}`);
  }
  return decodePair(new Uint8Array(await res.arrayBuffer()));
}

/**
 * One (stim, neuron) pair: the stim, every kept repeat and their mean.
 * @param {number} stim
 * @param {number} neuron
 */
export function getPair(stim, neuron) {
  return getPayload(`/api/pair/${stim}/${neuron}`);
}

/**
 * One stim alone.
 * @param {number} stim
 */
export function getStim(stim) {
  return getPayload(`/api/stim/${stim}`);
}

/**
 * @param {Uint8Array} bytes
 * @returns {PairPayload}
 */
export function decodePair(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== PAIR_MAGIC)
    throw new Error("pair payload: bad magic");
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const base = 8 + headerLength;
  /** @type {Map<string, Float32Array>} */
  const arrays = new Map();
  for (const a of header.arrays) {
    const n = a.shape.reduce((/** @type {number} */ p, /** @type {number} */ q) => p * q, 1);
    const start = bytes.byteOffset + base + a.offset;
    if (base + a.offset + n * 4 > bytes.byteLength)
      throw new Error(`pair payload: array ${a.name} is truncated`);
    // Copy into an aligned buffer (the data section is 4-byte aligned, but be safe).
    const out = new Float32Array(n);
    if (start % 4 === 0) out.set(new Float32Array(bytes.buffer, start, n));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat32(base + a.offset + i * 4, true);
    arrays.set(a.name, out);
  }
  return { header, arrays };
}
