// The per-repeat provenance of an export as parallel prov_* arrays
// (interchange.md): every RepeatProvenance row split into typed columns,
// its strings (sessions, experimenters, stim keys) and fates stored once in
// the manifest's `provenance` table and referred to by index. One table,
// PROVENANCE_MEMBERS, names the members, their dtypes and order for both
// directions: provenanceMembers (writing) and readProvenance (reading back).

import type { Fate, RepeatProvenance } from "../dataset/model.js";
import { ExportError } from "./errors.js";
import { type ExportManifest, FATE_CODES } from "./manifest.js";
import type { NpzReader } from "./npz-reader.js";

/** The manifest's `provenance` table: the row count and the strings the columns index. */
export type ProvenanceTable = NonNullable<ExportManifest["provenance"]>;

/** One typed array per provenance field, a row per raw repeat. */
interface ProvenanceColumns {
  neuron: Int32Array;
  stim: Int32Array;
  repeat: Int32Array;
  fate: Uint8Array;
  session: Int32Array;
  stimKey: Int32Array;
  maxAbsMv: Float64Array;
  stepFrac: Float64Array;
  r: Float64Array;
  samples: Int32Array;
}

/** The prov_* members in file order: member name, .npy dtype and the column each holds. */
const PROVENANCE_MEMBERS = [
  ["prov_neuron", "<i4", "neuron"],
  ["prov_stim", "<i4", "stim"],
  ["prov_repeat", "<i4", "repeat"],
  ["prov_fate", "|u1", "fate"],
  ["prov_session", "<i4", "session"],
  ["prov_stim_key", "<i4", "stimKey"],
  ["prov_max_abs_mv", "<f8", "maxAbsMv"],
  ["prov_step_frac", "<f8", "stepFrac"],
  ["prov_r", "<f8", "r"],
  ["prov_samples", "<i4", "samples"],
] as const satisfies readonly (readonly [string, string, keyof ProvenanceColumns])[];

/** The member whose presence says an export carries provenance arrays at all. */
const PRESENCE_MEMBER = "prov_fate";

/** The provenance rows as columns and their manifest table; refuses a row the arrays cannot hold. */
function provenanceColumns(rows: readonly RepeatProvenance[]): {
  table: ProvenanceTable;
  columns: ProvenanceColumns;
} {
  const n = rows.length;
  const sessions: string[] = [];
  const experimenters: string[] = [];
  const sessionIndex = new Map<string, number>();
  const stimKeys: string[] = [];
  const stimKeyIndex = new Map<string, number>();
  const table: ProvenanceTable = {
    count: n,
    fates: [...FATE_CODES],
    sessions,
    experimenters,
    stim_keys: stimKeys,
  };
  const c: ProvenanceColumns = {
    neuron: new Int32Array(n),
    stim: new Int32Array(n),
    repeat: new Int32Array(n),
    fate: new Uint8Array(n),
    session: new Int32Array(n),
    stimKey: new Int32Array(n),
    maxAbsMv: new Float64Array(n),
    stepFrac: new Float64Array(n),
    r: new Float64Array(n),
    samples: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = rows[i]!;
    const sessionId = JSON.stringify([p.session, p.experimenter]);
    let si = sessionIndex.get(sessionId);
    if (si === undefined) {
      si = sessions.length;
      sessions.push(p.session);
      experimenters.push(p.experimenter);
      sessionIndex.set(sessionId, si);
    }
    let ki = stimKeyIndex.get(p.stimKey);
    if (ki === undefined) {
      ki = stimKeys.length;
      stimKeys.push(p.stimKey);
      stimKeyIndex.set(p.stimKey, ki);
    }
    const fate = FATE_CODES.indexOf(p.fate);
    if (fate < 0)
      throw new ExportError(`cannot export: provenance row ${i} has unknown fate ${JSON.stringify(p.fate)}`);
    for (const [name, v] of [
      ["neuron", p.neuron],
      ["stim", p.stim],
      ["repeat", p.repeat],
      ["samples", p.samples],
    ] as const) {
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
        throw new ExportError(`cannot export: provenance row ${i} has ${name}=${v}, not a 32-bit integer`);
      }
    }
    c.neuron[i] = p.neuron;
    c.stim[i] = p.stim;
    c.repeat[i] = p.repeat;
    c.fate[i] = fate;
    c.session[i] = si;
    c.stimKey[i] = ki;
    c.maxAbsMv[i] = p.maxAbsMv;
    c.stepFrac[i] = p.stepFrac;
    c.r[i] = p.r;
    c.samples[i] = p.samples;
  }
  return { table, columns: c };
}

/** The prov_* members of `rows` (in file order) and the manifest's `provenance` table they index. */
export function provenanceMembers(rows: readonly RepeatProvenance[]): {
  table: ProvenanceTable;
  members: { name: string; dtype: string; shape: number[]; data: ArrayBufferView }[];
} {
  const { table, columns } = provenanceColumns(rows);
  const members = PROVENANCE_MEMBERS.map(([name, dtype, column]) => {
    const data = columns[column];
    return { name, dtype, shape: [data.length], data };
  });
  return { table, members };
}

/**
 * The provenance rows of an export read back from its prov_* members and the
 * manifest's table (none when the export has no provenance); each member's
 * dtype and length and each row's codes are checked.
 */
export async function readProvenance(
  reader: NpzReader,
  table: ProvenanceTable | undefined,
  path: string,
): Promise<RepeatProvenance[]> {
  if (!table || !reader.has(PRESENCE_MEMBER)) return [];
  const columns: Partial<Record<keyof ProvenanceColumns, ArrayBufferView>> = {};
  for (const [name, dtype, column] of PROVENANCE_MEMBERS) {
    if (!reader.has(name)) throw new ExportError(`${path}: missing provenance array ${name}`);
    const a = await reader.read(name);
    if (a.dtype !== dtype || a.shape.length !== 1 || a.shape[0] !== table.count) {
      throw new ExportError(
        `${path}: ${name} is ${a.dtype} (${a.shape.join(", ")}), expected ${dtype} (${table.count},)`,
      );
    }
    columns[column] = a.data;
  }
  // Every column was read and its dtype checked against PROVENANCE_MEMBERS above.
  const c = columns as ProvenanceColumns;
  const fates = table.fates as Fate[];
  const rows: RepeatProvenance[] = new Array(table.count);
  for (let i = 0; i < table.count; i++) {
    const f = fates[c.fate[i]!];
    const sess = table.sessions[c.session[i]!];
    const exp = table.experimenters[c.session[i]!];
    const sk = table.stim_keys[c.stimKey[i]!];
    if (f === undefined || sess === undefined || exp === undefined || sk === undefined) {
      throw new ExportError(`${path}: provenance row ${i} refers to a code missing from manifest.provenance`);
    }
    rows[i] = {
      session: sess,
      experimenter: exp as RepeatProvenance["experimenter"],
      neuron: c.neuron[i]!,
      stimKey: sk,
      stim: c.stim[i]!,
      repeat: c.repeat[i]!,
      fate: f,
      maxAbsMv: c.maxAbsMv[i]!,
      stepFrac: c.stepFrac[i]!,
      r: c.r[i]!,
      samples: c.samples[i]!,
    };
  }
  return rows;
}
