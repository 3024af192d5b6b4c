/**
 * One shared string per distinct cell text, looked up straight from the line it sits in.
 *
 * Usage files repeat a few values row after row (vendors, account ids, skus, dates, currency
 * codes). Cutting each cell out of the line allocates a fresh string that every later map
 * lookup hashes again (the billing run's per-pair aggregation looks up vendor, account and sku
 * per row). Here the caller hashes the cell while scanning the line and gets back the entry of
 * the one string kept for that text: no allocation for a value seen before, and a string whose
 * hash V8 has already cached. Each entry may carry a value derived once from its text (a
 * vendor's lower-case form, a date's period).
 *
 * Memory is bounded: once `capacity` entries are held the table starts over, as the decimal
 * cache of row-cells.ts does. An entry number is therefore valid only until the next `lookup`.
 */
import { FNV_SEED, hashStep } from './fnv.js';

export class Interner<D> {
  private readonly table: Int32Array;
  private readonly hashes: Int32Array;
  private readonly texts: string[] = [];
  private readonly derived: D[] = [];

  constructor(
    private readonly derive: (text: string) => D,
    private readonly capacity = 1 << 14,
  ) {
    this.table = new Int32Array(capacity * 2);
    this.hashes = new Int32Array(capacity);
  }

  /**
   * The entry for text[from, to), whose `hashText` is `hash`: found by hash, length and a
   * full comparison of the characters, else added.
   */
  lookup(text: string, from: number, to: number, hash: number): number {
    const length = to - from;
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = (this.table[slot] as number) - 1;
      if (entry < 0) return this.insert(slot, text.slice(from, to), hash);
      const known = this.texts[entry] as string;
      if (this.hashes[entry] === hash && known.length === length && text.startsWith(known, from)) return entry;
    }
  }

  text(entry: number): string {
    return this.texts[entry] as string;
  }

  value(entry: number): D {
    return this.derived[entry] as D;
  }

  private insert(slot: number, text: string, hash: number): number {
    if (this.texts.length === this.capacity) {
      this.table.fill(0);
      this.texts.length = 0;
      this.derived.length = 0;
      slot = hash & (this.table.length - 1);
    }
    const entry = this.texts.length;
    this.texts.push(text);
    this.derived.push(this.derive(text));
    this.hashes[entry] = hash;
    this.table[slot] = entry + 1;
    return entry;
  }
}

/** The hash of text[from, to) that `Interner.lookup` expects. */
export function hashText(text: string, from = 0, to = text.length): number {
  let hash = FNV_SEED;
  for (let i = from; i < to; i++) hash = hashStep(hash, text.charCodeAt(i));
  return hash;
}
