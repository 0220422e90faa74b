// The tests' normal deviates: Irwin-Hall (the sum of 12 uniforms minus 6),
// as the golden-vector scripts (make_goldens.py) draw them, from one
// mulberry32 stream.

/** One Irwin-Hall normal from the uniform stream `next` (12 draws, summed in order). */
export function irwinHall(next: () => number): number {
  let s = 0;
  for (let k = 0; k < 12; k++) s += next();
  return s - 6;
}
