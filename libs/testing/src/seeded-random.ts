/**
 * mulberry32: a tiny seeded PRNG, so that a "random" test is the same test on
 * every run. Only for choosing steps and sizes; money is BigInt cents.
 */
export function seededRandom(seed: number): { next(): number; between(low: number, high: number): number } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  /** An integer in [low, high], both included. */
  const between = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1));
  return { next, between };
}
