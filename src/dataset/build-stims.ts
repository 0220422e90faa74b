// The build's stim tensors (StimTensors): each started through the executor
// (or streamed from its intermediate entry into the assembler's store) as
// soon as its stim registers, at the longest length it can be cut to, then
// waited for in registration order and cut to Tcanon when the assembler
// finishes.

import type { IntermediateCache } from "../store/intermediates.js";
import type { DatasetAssembler } from "./assembler.js";
import type { BuildFlow } from "./build-flow.js";
import type { StimSpec } from "./clean.js";
import { held, heldFirstColumns } from "./deferred.js";
import type { BuildExecutor } from "./executors.js";
import { countReuse, type ReuseTally, type StageCache, stimKey, tensorShapeOf } from "./intermediates.js";
import type { DatasetOptions, Deferred } from "./model.js";
import { waveformHop } from "./options.js";
import type { ArrayWriter, Held } from "./spill.js";
import { stimLengthsOfSamples, stimTensor } from "./stim-tensor.js";
import type { StimResult } from "./units.js";
import { firstNaN } from "./validate.js";

type Settled = { ok: true } | { ok: false; error: unknown };

const NO_SAMPLES = new Float64Array(0);

/**
 * Starts each stim's tensor as soon as the stim registers, at the longest
 * length it can be cut to (Tspec frames: Tcanon never exceeds it when the
 * waveform is not empty); finish() then takes each tensor cut to Tcanon
 * exactly as stimSpectrogram / stimWaveform cut theirs. A stim with an empty
 * waveform has Tspec 0 but may still have Tcanon > 0 (waveform mode pads
 * with zeros): its tensor is made at finish on this thread, from no samples.
 */
export class StimTensors {
  /** One settlement per started stim, in stim-index order. */
  private readonly settled: Promise<Settled>[] = [];
  /** Full-length tensors by stim index (their values in the assembler's store), until cut. */
  private readonly full = new Map<
    number,
    {
      shape: number[];
      values: Held<Float32Array>;
      Tupper: number;
      nanFree: boolean;
      /** Its intermediate entry's key (stimKey at Tupper), when the build keeps intermediates. */
      key: string | undefined;
    }
  >();
  private readonly reuse: ReuseTally;
  constructor(
    private readonly exec: BuildExecutor,
    private readonly assembler: DatasetAssembler,
    private readonly options: DatasetOptions,
    private readonly flow: BuildFlow,
    /**
     * The intermediates, when the build keeps them: the one place a stim's
     * entry is looked up (fromCache), and each tensor's entry key names its
     * values (memoKey).
     */
    private readonly sc?: StageCache,
  ) {
    this.reuse = flow.reuse.stim;
  }

  /** Starts every registered stim not started yet (stims only ever register in index order). */
  startNew(): void {
    for (let s = this.settled.length; s < this.assembler.specs.length; s++) this.start(s);
  }

  private start(s: number): void {
    const spec = this.assembler.specs[s] as StimSpec;
    const Tupper = stimLengthsOfSamples(spec.waveform.length, spec, this.options.dtMs, 0).Tspec;
    if (Tupper === 0) {
      this.settled.push(Promise.resolve({ ok: true }));
      return;
    }
    const { sc } = this;
    const key = sc === undefined ? undefined : stimKey(sc.scope, spec, Tupper, this.options);
    let cached: "hit" | "miss" | "damaged";
    try {
      cached = sc === undefined || key === undefined ? "miss" : this.fromCache(sc.cache, key, Tupper, s);
    } catch (error) {
      // (a full disk while spilling: settled as a failure, never thrown here)
      this.settled.push(Promise.resolve({ ok: false, error }));
      return;
    }
    if (cached === "hit") {
      this.flow.stims++;
      countReuse(this.reuse, { reused: true }, s);
      this.settled.push(Promise.resolve({ ok: true }));
      return;
    }
    let started: Promise<StimResult>;
    try {
      started = this.exec.stim(spec, Tupper, s);
      if (cached === "damaged") started = started.then((r) => ({ ...r, damaged: true }));
    } catch (e) {
      started = Promise.reject(e);
    }
    this.settled.push(
      started.then(
        (r): Settled => {
          const { tensor } = r;
          this.flow.stims++;
          countReuse(this.reuse, r, s);
          try {
            // (a full disk, or a store already closed by a failed build: settled as a failure, never thrown here)
            // Checked for NaN now, as it arrives (the walk leaves this thread idle), not read back at the end.
            const nanFree = firstNaN(tensor.data) < 0;
            this.full.set(s, {
              shape: tensor.shape,
              values: this.assembler.store.put(tensor.data),
              Tupper,
              nanFree,
              key,
            });
          } catch (error) {
            return { ok: false, error };
          }
          return { ok: true };
        },
        (error: unknown): Settled => ({ ok: false, error }),
      ),
    );
  }

  /**
   * Stim s's tensor streamed from its intermediate entry straight into the
   * assembler's store (an export's spill file: never whole in memory, where
   * fresh memory costs a page fault per 4 KiB, more than the copy), checked
   * for NaN as it passes. "damaged": the entry was bad and removed. The
   * executor is asked only for the tensors this does not find.
   */
  private fromCache(
    cache: IntermediateCache,
    key: string,
    Tupper: number,
    s: number,
  ): "hit" | "miss" | "damaged" {
    const store = this.assembler.store;
    let shape: number[] = [];
    let writer: ArrayWriter<Float32Array> | undefined;
    let nanFree = true;
    const found = cache.readStreamed("stim", key, {
      header: (data, arrays) => {
        shape = tensorShapeOf(data, arrays);
        writer = store.begin(Float32Array, arrays[0]?.length ?? 0);
      },
      bytes: (_index, chunk) => {
        // (chunks of a float32 array start at multiples of 4 bytes of it, in a buffer of their own)
        if (nanFree && firstNaN(new Float32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength >> 2)) >= 0)
          nanFree = false;
        writer?.write(chunk);
      },
    });
    if (found === "hit" && writer !== undefined)
      this.full.set(s, { shape, values: writer.commit(), Tupper, nanFree, key });
    return found;
  }

  /** Waits for every started stim in registration order, reporting progress; throws the first failure. */
  async drain(onStim: (done: number, total: number) => void): Promise<void> {
    const total = this.settled.length;
    for (let s = 0; s < total; s++) {
      const r = await (this.settled[s] as Promise<Settled>);
      if (!r.ok) throw r.error;
      onStim(s + 1, total);
    }
  }

  /** Stim s's tensor cut to Tcanon frames: bit for bit what stimSpectrogram / stimWaveform give for Tcanon. */
  tensorFor(spec: StimSpec, Tcanon: number, s: number): Deferred {
    const o = this.options;
    const got = this.full.get(s);
    if (got === undefined) {
      if (spec.waveform.length !== 0) throw new Error(`dataset build: stim ${spec.key} has no tensor`);
      this.flow.stimsOnMainThread++;
      return held(stimTensor({ waveform: NO_SAMPLES, sfStimHz: spec.sfStimHz }, Tcanon, o));
    }
    // Each full tensor is cut once.
    this.full.delete(s);
    if (Tcanon > got.Tupper) {
      throw new Error(
        `dataset build: stim ${spec.key} needs ${Tcanon} frames but only ${got.Tupper} were computed`,
      );
    }
    const { values, nanFree, key } = got;
    // The tensor's entry key and the cut name the values exactly: the export's memo finds the member by them.
    const named = (cut: string) => (key === undefined ? {} : { memoKey: `stim ${key} ${cut}` });
    if (o.returnWaveform) {
      const n = Tcanon * waveformHop(o);
      return {
        shape: [1, n],
        read: () => heldFirstColumns(values, 1, values.length, n),
        nanFree,
        ...named(`samples ${n}`),
      };
    }
    const [, F, Tfull] = got.shape as [number, number, number];
    const T = Math.min(Tcanon, Tfull);
    return {
      shape: [1, F, T],
      read: () => heldFirstColumns(values, F, Tfull, T),
      nanFree,
      ...named(`frames ${T}`),
    };
  }
}
