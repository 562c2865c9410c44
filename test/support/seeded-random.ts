/** A small seeded generator (mulberry32), so a randomized test can be replayed from the seed it prints. */
export const mulberry32 =
  (seed: number) =>
  (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
