// The one seeded generator of the tests: Marsaglia's xorshift32 (shifts 13, 17, 5), deterministic
// so a failing test can be replayed from its seed. Not cryptographic: tests only. Every view below
// steps the same state once per value, so a seed gives the same sequence whichever view reads it:
//   seededRandom  a RandomFill (platform/types.ts): byte i is the low 8 bits of step i
//   seededFloat   floats in [0, 1): step / 2^32
//   seededInt     integers in [0, n): step % n
import type { RandomFill } from '../../src/platform/types.ts';

/** The raw generator: each call returns the next 32-bit state (never 0). Seed 0 counts as 1. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Deterministic "randomness" for code that takes a RandomFill (keys, indexes, jitter...). */
export function seededRandom(seed: number): RandomFill {
  const next = xorshift32(seed);
  return (out: Uint8Array) => {
    for (let i = 0; i < out.length; i++) out[i] = next() & 255;
  };
}

/** Floats in [0, 1), like Math.random. */
export function seededFloat(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}

/** Integers in [0, n). */
export function seededInt(seed: number): (n: number) => number {
  const next = xorshift32(seed);
  return (n: number) => next() % n;
}
