// Signal models of the synthetic release: natural-sound-like stimuli
// (syllables of harmonic complexes and noise), the stimulus envelope at the
// response rate, a stimulus-locked PSP response derived from it, membrane
// background (baseline, slow drift, coloured noise), ~1 ms spikes and the
// recording artifacts the gating must catch. All O(n), no per-sample allocation.

import type { Rng } from "../../random/index.js";

/** Peak of a railed (saturated) int16 channel: the trace is clipped there. */
export const INT16_MAX = 32767;

/**
 * A natural-sound-like waveform of n samples: bursts of 25-120 ms (harmonic
 * complex with a random f0, partly noisy, 5 ms raised-cosine edges) separated
 * by 20-150 ms gaps; values quantised to 1/32768 like a 16-bit recording.
 */
export function stimulusWave(rng: Rng, n: number, sfHz: number): Float64Array {
  const out = new Float64Array(n);
  let t = Math.floor(rng.range(0.005, 0.04) * sfHz);
  const edge = Math.max(1, Math.round(0.005 * sfHz));
  while (t < n) {
    const dur = Math.floor(rng.range(0.025, 0.12) * sfHz);
    const gap = Math.floor(rng.range(0.02, 0.15) * sfHz);
    const w0 = (2 * Math.PI * rng.range(300, 3000)) / sfHz;
    const amp = rng.range(0.15, 0.7);
    const noiseMix = rng.range(0, 0.5);
    const end = Math.min(n, t + dur);
    for (let i = t; i < end; i++) {
      const k = i - t;
      const fromEnd = dur - 1 - k;
      let env = 1;
      if (k < edge) env = 0.5 - 0.5 * Math.cos((Math.PI * k) / edge);
      else if (fromEnd < edge) env = 0.5 - 0.5 * Math.cos((Math.PI * Math.max(0, fromEnd)) / edge);
      const ph = w0 * k;
      const tonal = (Math.sin(ph) + 0.5 * Math.sin(2 * ph) + 0.25 * Math.sin(3 * ph)) / 1.75;
      out[i] = amp * env * ((1 - noiseMix) * tonal + noiseMix * 0.3 * rng.gauss());
    }
    t = end + gap;
  }
  for (let i = 0; i < n; i++) {
    const q = Math.round((out[i] as number) * 32768);
    out[i] = Math.max(-32768, Math.min(32767, q)) / 32768;
  }
  return out;
}

/** Mean |wave| over each response-rate bin (n bins; bins past the wave are 0). */
export function envelope(wave: Float64Array, sfAudioHz: number, sfRespHz: number, n: number): Float64Array {
  const env = new Float64Array(n);
  const ratio = sfAudioHz / sfRespHz;
  for (let i = 0; i < n; i++) {
    const a = Math.floor(i * ratio);
    const b = Math.min(wave.length, Math.floor((i + 1) * ratio));
    if (a >= b) continue;
    let s = 0;
    for (let j = a; j < b; j++) s += Math.abs(wave[j] as number);
    env[i] = s / (b - a);
  }
  return env;
}

/** In-place one-pole low-pass with time constant tauSamples. */
function smoothInPlace(x: Float64Array, tauSamples: number): void {
  const a = Math.exp(-1 / Math.max(tauSamples, 1e-9));
  let y = 0;
  for (let i = 0; i < x.length; i++) {
    y = a * y + (1 - a) * (x[i] as number);
    x[i] = y;
  }
}

export interface StimLockedResponse {
  /** Depolarisation in mV, peak `peakMv`, one value per response sample. */
  pspMv: Float64Array;
  /** Response samples of the strongest onsets (spike-timing anchors). */
  onsets: number[];
}

/**
 * The response a stimulus drives: onsets of the (5 ms smoothed) envelope plus
 * a small sustained part, filtered by an alpha kernel (two cascaded 6 ms
 * one-pole stages) and scaled to peak `peakMv`. Shared by all repeats.
 */
export function stimLockedResponse(env: Float64Array, sfRespHz: number, peakMv: number): StimLockedResponse {
  const n = env.length;
  const smooth = Float64Array.from(env);
  smoothInPlace(smooth, 0.005 * sfRespHz);
  const drive = new Float64Array(n);
  let prev = 0;
  let maxDrive = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.max(0, (smooth[i] as number) - prev);
    prev = smooth[i] as number;
    drive[i] = d;
    if (d > maxDrive) maxDrive = d;
  }
  const onsets: number[] = [];
  const minGap = Math.round(0.02 * sfRespHz);
  for (let i = 1; i < n - 1; i++) {
    const d = drive[i] as number;
    if (d > 0.3 * maxDrive && d >= (drive[i - 1] as number) && d > (drive[i + 1] as number)) {
      if (onsets.length === 0 || i - (onsets[onsets.length - 1] as number) >= minGap) onsets.push(i);
    }
  }
  const psp = new Float64Array(n);
  let meanEnv = 0;
  for (let i = 0; i < n; i++) meanEnv += env[i] as number;
  meanEnv = n > 0 ? meanEnv / n : 0;
  const sustainedGain = maxDrive > 0 && meanEnv > 0 ? (0.05 * maxDrive) / meanEnv : 0;
  for (let i = 0; i < n; i++) psp[i] = (drive[i] as number) + sustainedGain * (smooth[i] as number);
  smoothInPlace(psp, 0.006 * sfRespHz);
  smoothInPlace(psp, 0.006 * sfRespHz);
  let peak = 0;
  for (let i = 0; i < n; i++) if ((psp[i] as number) > peak) peak = psp[i] as number;
  if (peak > 0) for (let i = 0; i < n; i++) psp[i] = ((psp[i] as number) / peak) * peakMv;
  return { pspMv: psp, onsets };
}

/** Membrane background: baseline, slow drift (two sinusoids) and 1 ms coloured noise of std noiseMv. */
export function background(
  rng: Rng,
  n: number,
  sfHz: number,
  baselineMv: number,
  driftMv: number,
  noiseMv: number,
): Float64Array {
  const out = new Float64Array(n);
  const f1 = rng.range(0.05, 0.3);
  const f2 = rng.range(0.3, 1.0);
  const p1 = rng.range(0, 2 * Math.PI);
  const p2 = rng.range(0, 2 * Math.PI);
  const a = Math.exp(-1 / (0.001 * sfHz));
  const b = noiseMv * Math.sqrt(1 - a * a);
  let y = noiseMv * rng.gauss();
  // the two drift sinusoids advance by phasor rotation (no sin() per sample)
  const w1 = (2 * Math.PI * f1) / sfHz;
  const w2 = (2 * Math.PI * f2) / sfHz;
  const c1 = Math.cos(w1);
  const s1 = Math.sin(w1);
  const c2 = Math.cos(w2);
  const s2 = Math.sin(w2);
  let re1 = Math.cos(p1);
  let im1 = Math.sin(p1);
  let re2 = Math.cos(p2);
  let im2 = Math.sin(p2);
  for (let i = 0; i < n; i++) {
    y = a * y + b * rng.gauss();
    out[i] = baselineMv + driftMv * (0.7 * im1 + 0.3 * im2) + y;
    const r1 = re1 * c1 - im1 * s1;
    im1 = re1 * s1 + im1 * c1;
    re1 = r1;
    const r2 = re2 * c2 - im2 * s2;
    im2 = re2 * s2 + im2 * c2;
    re2 = r2;
  }
  return out;
}

/** Adds a ~1 ms spike (peak ampMv, small after-hyperpolarisation) starting at sample `at`. */
export function addSpike(mv: Float64Array, at: number, ampMv: number, sfHz: number): void {
  const len = Math.ceil(0.0015 * sfHz);
  const start = Math.round(at);
  for (let k = 0; k < len; k++) {
    const i = start + k;
    if (i < 0 || i >= mv.length) continue;
    const tMs = (k * 1000) / sfHz;
    const shape = Math.exp(-(((tMs - 0.3) / 0.13) ** 2)) - 0.2 * Math.exp(-(((tMs - 0.75) / 0.22) ** 2));
    mv[i] = (mv[i] as number) + ampMv * shape;
  }
}

/** Rails the trace for 5 ms at the int16 maximum (amplifier saturation, |Vm| far above 150 mV). */
export function addSaturation(mv: Float64Array, start: number, n: number, sfHz: number, scale: number): void {
  const len = Math.max(1, Math.round(0.005 * sfHz));
  const at = start + Math.floor(n * 0.4);
  for (let i = at; i < Math.min(mv.length, at + len); i++) mv[i] = INT16_MAX * scale;
}

/**
 * A 40 mV step that holds for 30 ms then returns: shorter than half the
 * 100 ms detrending median window (so detrending leaves it in place) and
 * longer than 0.5 % of the repeat (so the step test rejects it).
 */
export function addStep(mv: Float64Array, start: number, n: number, sfHz: number): void {
  const len = Math.round(0.03 * sfHz);
  const at = start + Math.floor(n * 0.55);
  for (let i = at; i < Math.min(mv.length, at + len); i++) mv[i] = (mv[i] as number) + 40;
}

/**
 * Deflections only this repeat has: the repeat is cut into 40 ms slots and
 * every slot k with k % 3 === slot gets a 20 ms raised-cosine bump of 8 mV.
 * Three repeats with slots 0, 1, 2 never deflect together, so each one
 * anti-correlates with the mean of the other two (r about -0.3).
 */
export function addUnsharedDeflections(
  mv: Float64Array,
  start: number,
  n: number,
  sfHz: number,
  slot: number,
): void {
  const slotLen = Math.round(0.04 * sfHz);
  const bump = Math.round(0.02 * sfHz);
  const end = Math.min(mv.length, start + n);
  for (let k = slot; k * slotLen < n; k += 3) {
    const at = start + k * slotLen + Math.round(0.01 * sfHz);
    for (let i = 0; i < bump && at + i < end; i++)
      mv[at + i] = (mv[at + i] as number) + 4 * (1 - Math.cos((2 * Math.PI * i) / bump));
  }
}

/** Float mV -> int16 units of `scale` mV (rounded, clipped like an ADC). */
export function quantize(mv: Float64Array, scale: number): Int16Array {
  const out = new Int16Array(mv.length);
  for (let i = 0; i < mv.length; i++) {
    const q = Math.round((mv[i] as number) / scale);
    out[i] = Math.min(INT16_MAX, Math.max(-32768, q));
  }
  return out;
}
