// The MAT files of tiny in-memory releases for the walker rule tests: the
// release roots, a Wehr stimulus file, a response struct, a trigger array
// and a Wehr trial (a response with one trigger).

import { type MatValue, numeric, scalar, str, struct, structArray } from "../../src/mat/index.js";

export const WEHR = "crcns-ac1/wehr";
export const STIM = "crcns-ac1/asari/Stimuli";
export const R1 = "crcns-ac1-asari-results-1/asari-results-1";

export function wehrStim(description: string, samples: number[], sf = 44100): Record<string, MatValue> {
  return {
    stimulus: struct({
      samples: numeric("double", samples),
      param: struct({ description: str(description), sf: scalar(sf) }),
    }),
  };
}

export function response(trace: number[], scale = 0.5, sf = 4000): MatValue {
  return struct({ trace: numeric("int16", trace, [trace.length, 1]), scale: scalar(scale), sf: scalar(sf) });
}

export interface Trig {
  type: string;
  description: string;
  time: number;
  duration: number;
}
export function triggers(list: Trig[]): MatValue {
  return structArray(
    list.map((t) => ({
      type: str(t.type),
      time: scalar(t.time),
      file: str(""),
      param: struct({ description: str(t.description), duration: scalar(t.duration) }),
    })),
    [1, list.length],
  );
}

/** A Wehr trial at 4 kHz: trace 0..19 (units of 0.5 mV), trigger at sample `time` for `duration` ms. */
export function wehrTrial(
  type: string,
  description: string,
  time = 3,
  duration = 1,
): Record<string, MatValue> {
  const trace = Array.from({ length: 20 }, (_, i) => i);
  return { response: response(trace), triggers: triggers([{ type, description, time, duration }]) };
}
