/**
 * Deterministic pseudo-random numbers for generated data (benchmarks, the demo data folder):
 * mulberry32, seeded by the FNV-1a hash of a name, so the same name gives the same stream on
 * every run and machine. Not for anything secret.
 */

/** FNV-1a (32 bits) of a name's UTF-16 code units: a stream's seed. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class SeededRandom {
  private state: number;
  constructor(name: string) {
    this.state = seedOf(name);
  }
  /** A number in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}
