// Two counts carried in one float64, `first * base + second` with
// second < base: how a pass returns two tallies as the one plain local its
// loop may end with (CONTRIBUTING.md, "One hot loop per function"). Exact
// while first * base + second < 2^53, which counts over at most
// MAX_PAIRED_COUNT elements (base at most that plus one) always are.

/** Most elements a pass may count into a pair: 9e7 * (9e7 + 2) < 2^53. */
export const MAX_PAIRED_COUNT = 90_000_000;

/** The first count of a pair packed with `base`. */
export function firstOfPair(packed: number, base: number): number {
  return Math.floor(packed / base);
}

/** The second count of a pair packed with `base`. */
export function secondOfPair(packed: number, base: number): number {
  return packed - firstOfPair(packed, base) * base;
}
