import { describe, expect, it } from 'vitest';
import { SeededRandom, seedOf } from '../../functions/text/seeded-random.js';

describe('seeded random numbers (benchmarks, the demo data folder)', () => {
  it('seeds with FNV-1a of the name', () => {
    expect(seedOf('')).toBe(0x811c9dc5);
    expect(seedOf('a')).toBe(0xe40c292c);
  });

  it('gives the same stream for a name on every run: the demo data folder depends on it', () => {
    const r = new SeededRandom('acme-it:usage');
    expect([r.next(), r.next(), r.int(1, 6), r.pick(['x', 'y', 'z'])]).toEqual([
      0.37233076919801533,
      0.23023287346586585,
      5,
      'z',
    ]);
  });

  it('stays in range', () => {
    const r = new SeededRandom('range');
    for (let i = 0; i < 1000; i++) {
      const n = r.next();
      expect(n >= 0 && n < 1).toBe(true);
      expect([3, 4, 5]).toContain(r.int(3, 5));
    }
  });
});
