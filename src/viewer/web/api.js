// @ts-check
// The browser side of the viewer's API: typed fetches of each JSON route and
// the decoder of the compact binary payload ("AC1P": magic, header length,
// JSON header, float32 little-endian arrays; see src/viewer/payload.ts). The
// documents are typed by the server/browser contract, src/viewer/api-types.ts.

/**
 * @typedef {import("../api-types.js").SummaryJson} SummaryJson
 * @typedef {import("../api-types.js").NeuronRowJson} NeuronRowJson
 * @typedef {import("../api-types.js").NeuronStimsJson} NeuronStimsJson
 * @typedef {import("../api-types.js").ProvenanceJson} ProvenanceJson
 * @typedef {import("../api-types.js").CohortJson} CohortJson
 * @typedef {import("../api-types.js").PairHeader} PairHeader
 * @typedef {import("../api-types.js").StimHeader} StimHeader
 * @typedef {import("../api-types.js").ScoresJson} ScoresJson
 * @typedef {import("../api-types.js").PairScoresJson} PairScoresJson
 * @typedef {import("../api-types.js").RejectedHeader} RejectedHeader
 */
/**
 * @template H
 * @typedef {import("../api-types.js").DecodedPayload<H>} DecodedPayload
 */

/** "AC1P" read as u32 LE (src/viewer/payload.ts PAIR_MAGIC). */
const PAIR_MAGIC = 0x50314341;

/**
 * Throws the server's one-line reason (or the status line) for a failed response.
 * @param {string} path
 * @param {Response} res
 * @returns {Promise<never>}
 */
async function fail(path, res) {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    if (body && typeof body.error === "string") message = body.error;
  } catch {
    // keep the status line
  }
  throw new Error(`${path}: ${message}`);
}

/**
 * GETs a JSON document; `T` is the document the route returns (api-types.ts).
 * @template T
 * @param {string} path
 * @returns {Promise<T>}
 */
async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (!res.ok) return fail(path, res);
  return res.json();
}

/** @returns {Promise<SummaryJson>} */
export function getSummary() {
  return getJSON("/api/summary");
}

/** @returns {Promise<NeuronRowJson[]>} */
export function getNeurons() {
  return getJSON("/api/neurons");
}

/**
 * @param {number} neuron
 * @returns {Promise<NeuronStimsJson>}
 */
export function getNeuronStims(neuron) {
  return getJSON(`/api/neurons/${neuron}/stims`);
}

/**
 * @param {number} neuron
 * @param {number} stim
 * @returns {Promise<ProvenanceJson>}
 */
export function getProvenance(neuron, stim) {
  return getJSON(`/api/provenance?neuron=${neuron}&stim=${stim}`);
}

/** @returns {Promise<CohortJson>} */
export function getCohort() {
  return getJSON("/api/cohort");
}

/**
 * Every predicted neuron's score and their mean (`ac1 score --json`); only with `--pred`.
 * @returns {Promise<ScoresJson>}
 */
export function getScores() {
  return getJSON("/api/scores");
}

/**
 * A pair's score and its neuron's; only with `--pred`.
 * @param {number} stim
 * @param {number} neuron
 * @returns {Promise<PairScoresJson>}
 */
export function getPairScores(stim, neuron) {
  return getJSON(`/api/scores/pair/${stim}/${neuron}`);
}

/**
 * Fetches and decodes an AC1P payload.
 * @template H
 * @param {string} path
 * @returns {Promise<DecodedPayload<H>>}
 */
async function getPayload(path) {
  const res = await fetch(path);
  if (!res.ok) return fail(path, res);
  return decodePair(new Uint8Array(await res.arrayBuffer()));
}

/**
 * One (stim, neuron) pair: the stim, every kept repeat, their mean and, with `--pred`, the prediction.
 * @param {number} stim
 * @param {number} neuron
 * @returns {Promise<DecodedPayload<PairHeader>>}
 */
export function getPair(stim, neuron) {
  return getPayload(`/api/pair/${stim}/${neuron}`);
}

/**
 * A pair's rejected repeats, detrended and binned (mV); only for exports built
 * with `--keep-rejected` (SummaryJson.rejectedTraces) and pairs with a rejected repeat.
 * @param {number} stim
 * @param {number} neuron
 * @returns {Promise<DecodedPayload<RejectedHeader>>}
 */
export function getRejected(stim, neuron) {
  return getPayload(`/api/rejected/${stim}/${neuron}`);
}

/**
 * One stim alone.
 * @param {number} stim
 * @returns {Promise<DecodedPayload<StimHeader>>}
 */
export function getStim(stim) {
  return getPayload(`/api/stim/${stim}`);
}

/**
 * Decodes an AC1P payload; `H` is the header the route sends (not validated).
 * @template H
 * @param {Uint8Array} bytes
 * @returns {DecodedPayload<H>}
 */
export function decodePair(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== PAIR_MAGIC)
    throw new Error("pair payload: bad magic");
  const headerLength = view.getUint32(4, true);
  /** @type {import("../api-types.js").WireHeader<H>} */
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const base = 8 + headerLength;
  /** @type {Map<string, Float32Array>} */
  const arrays = new Map();
  for (const a of header.arrays) {
    const n = a.shape.reduce((p, q) => p * q, 1);
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
