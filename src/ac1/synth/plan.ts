// The plan of the synthetic release: which stimulus files, sessions, trial
// and recording files exist, what each trigger says and which artifact each
// repeat carries. Everything that tests the walkers' rules is planted here
// (archive.md): trigger-type variants and the 'nauralsound' typo, a duplicate
// and an unknown description, a non-integer stem, a malformed session name, a
// session with tones only, int16 traces with a scale, 'Sequence k: ...'
// triggers over param.stimulus struct arrays, a suffixed and a backslashed
// segment file, `samples` instead of `sample`, a segment at another sample
// rate, an out-of-range position, corrupt files, recordings without param or
// triggers, sites and recording types, and the gating artifacts.
//
// planSynth runs four steps on one seeded stream, in this order (the bytes
// of every seed depend on it): Wehr stimuli, Wehr sessions (plan-wehr.ts),
// Asari segments, Asari sessions (plan-asari.ts); the reference's corners
// (plan-corners.ts) follow on a stream of their own. What a plan holds is
// defined in plan-model.ts.

import { Rng } from "../../random/index.js";
import type { SynthScale } from "./manifest.js";
import { planAsariSegments, planAsariSessions, sortAsariSessions } from "./plan-asari.js";
import { planCorners } from "./plan-corners.js";
import { type SynthPlan, scaleParams } from "./plan-model.js";
import { indexWehrSessions, planWehrSessions, planWehrStimuli } from "./plan-wehr.js";

/**
 * Builds the plan for a scale, seed and size (stimulus waveforms included).
 * Size N plants N times the scale's extra cells over the same stimulus files.
 */
export function planSynth(scale: SynthScale, seed: number, size = 1): SynthPlan {
  const P = scaleParams(scale, size);
  const rng = Rng.of(seed, "plan");
  const wehrStimuli = planWehrStimuli(P, seed, rng);
  const wehrSessions = planWehrSessions(P, rng, wehrStimuli);
  const asariSegments = planAsariSegments(P, seed, rng);
  const asariSessions = planAsariSessions(P, rng, asariSegments);
  // The reference's corners (plan-corners.ts) draw from their own stream and
  // their sessions sort last, so every file planted above keeps its bytes.
  const corners = planCorners(seed, Rng.of(seed, "plan-corners"), asariSegments, P);
  return {
    seed,
    scale,
    size,
    wehrStims: [...wehrStimuli.files, ...corners.wehrStims],
    wehrSessions: indexWehrSessions([...wehrSessions, ...corners.wehrSessions]),
    wehrOtherFolders: ["Notes"],
    asariSegments,
    asariSessions: sortAsariSessions([...asariSessions, ...corners.asariSessions]),
    corners: corners.corners,
  };
}
