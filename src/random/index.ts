// Seeded pseudo-random numbers (the project's one generator, mulberry32):
// the lowest layer, used by the synthetic release, the dataset's seeded split
// helpers, and test and bench data.

export { mulberry32, Rng, subSeed } from "./prng.js";
