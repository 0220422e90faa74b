// Ordered, bounded fan-out: pulls items from a (possibly async) iterator,
// starts one async task per item, and hands the results to a consumer in
// input order, whatever order the tasks finish in. At most `maxInFlight`
// items are between "pulled" and "consumed" at any time (running, or done and
// waiting for an earlier one), so the memory held by items in flight stays
// bounded and the producer (e.g. a release walker) is paused, not buffered.
// The first failure in input order is the one reported; no later item is
// consumed after it and no rejection is left unhandled.

export interface OrderedMapOptions<T, R> {
  /** Items pulled but not yet consumed, at most (>= 1). */
  maxInFlight: number;
  /** Called with each result in input order (awaited when it returns a promise). */
  onResult: (result: R, item: T, index: number) => unknown;
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Runs `run` over `items` with bounded concurrency and in-order delivery; resolves to the number of items. */
export async function orderedMap<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  run: (item: T, index: number) => Promise<R>,
  opts: OrderedMapOptions<T, R>,
): Promise<number> {
  const { maxInFlight, onResult } = opts;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
    throw new RangeError(`maxInFlight must be an integer >= 1, got ${maxInFlight}`);
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  const window: { item: T; index: number; settled: Promise<Settled<R>> }[] = [];
  let pulled = 0;
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && window.length < maxInFlight) {
        const next = await it.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const item = next.value;
        const index = pulled++;
        let started: Promise<R>;
        try {
          started = run(item, index);
        } catch (e) {
          started = Promise.reject(e);
        }
        // Settled promises never reject: a failure further down the window is
        // held until its turn instead of surfacing as an unhandled rejection.
        const settled = started.then(
          (value): Settled<R> => ({ ok: true, value }),
          (error: unknown): Settled<R> => ({ ok: false, error }),
        );
        window.push({ item, index, settled });
      }
      const head = window.shift();
      if (head === undefined) break;
      const r = await head.settled;
      if (!r.ok) throw r.error;
      await onResult(r.value, head.item, head.index);
    }
  } finally {
    if (!exhausted) await it.return?.();
  }
  return pulled;
}
