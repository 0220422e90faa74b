// GET /api/cohort: the repeats kept and rejected per recorded cell by
// gating reason (dropped cells included, from the provenance; kept repeats
// only when the export has none), and histograms of the pairs' response
// lengths and kept-repeat counts. A pure function of the manifest, the
// provenance and the pair list.

import type { RepeatProvenance } from "../dataset/model.js";
import type { CohortCellJson, CohortJson, FateTally } from "./api-types.js";
import { histogram } from "./histogram.js";
import { neuronLabel, str } from "./manifest.js";
import { addFate, emptyTally } from "./provenance.js";
import type { PairInfo, ViewerManifest } from "./source.js";

/** The cohort document of an export. */
export function cohortDocument(
  m: ViewerManifest,
  prov: readonly RepeatProvenance[],
  pairs: readonly PairInfo[],
  neuronCount: number,
): CohortJson {
  // One row per recorded cell, dropped ones included (keyed by experimenter + session).
  const cells = new Map<
    string,
    { neuron: number; session: string; experimenter: string; tally: FateTally }
  >();
  for (const p of prov) {
    const key = `${p.experimenter}\u0000${p.session}`;
    const c = cells.get(key) ?? {
      neuron: p.neuron,
      session: p.session,
      experimenter: p.experimenter,
      tally: emptyTally(),
    };
    cells.set(key, c);
    if (p.neuron >= 0) c.neuron = p.neuron;
    addFate(c.tally, p.fate);
  }
  let cellRows: CohortCellJson[];
  if (prov.length > 0) {
    cellRows = [...cells.values()]
      .sort(
        (a, b) =>
          (a.neuron < 0 ? 1e9 : a.neuron) - (b.neuron < 0 ? 1e9 : b.neuron) ||
          a.session.localeCompare(b.session),
      )
      .map((c) => ({
        neuron: c.neuron,
        label: c.session,
        experimenter: c.experimenter,
        site: c.neuron >= 0 ? (str(m.neurons[c.neuron]?.site) ?? null) : null,
        dropped: c.neuron < 0,
        ...c.tally,
      }));
  } else {
    // Without provenance only kept repeats are known (from the export itself).
    const kept = new Array<number>(neuronCount).fill(0);
    for (const p of pairs)
      if (p.neuron >= 0 && p.neuron < kept.length) kept[p.neuron] = (kept[p.neuron] ?? 0) + p.repeats;
    cellRows = kept.map((k, n) => ({
      neuron: n,
      label: neuronLabel(m.neurons[n], n),
      experimenter: str(m.neurons[n]?.experimenter) ?? null,
      site: str(m.neurons[n]?.site) ?? null,
      dropped: false,
      kept: k,
      range: 0,
      step: 0,
      xcorr: 0,
    }));
  }
  const dtMs = m.dt_ms;
  return {
    provenanceAvailable: prov.length > 0,
    cells: cellRows,
    responseLengthS: histogram(pairs.map((p) => (p.frames * dtMs) / 1000)),
    repeatCount: histogram(
      pairs.map((p) => p.repeats),
      { integer: true },
    ),
    pairCount: pairs.length,
  };
}
