/**
 * The set of (vendor, period, reference) keys seen so far, for duplicate-row detection across
 * files (`ReadOptions.isDuplicate`), sized for millions of rows.
 *
 * A `Set<string>` of `vendor\0period\0reference` is exact but holds one heap string per row:
 * at a million rows that is ~100 MB the garbage collector marks again on every major GC (it
 * doubled the ingest time in bench/ingest.ts). Here a key's characters go into one growing byte
 * arena and an open-addressing table of integers points at them: no object per entry, nothing
 * for the GC to trace. Membership is exact: a hash only picks the slot, the stored characters
 * are compared in full. Keys with a character above U+00FF (rare in vendors, periods and line
 * ids) or a U+0000 go to an ordinary Set instead; a given key always takes the same route, so
 * the two never disagree.
 */
import { FNV_SEED, hashStep } from './fnv.js';
import type { DuplicateKey } from './reader-types.js';

const SEPARATOR = 0;
const MAX_LOAD = 0.5;

export class ReferenceSet {
  /** Key characters, one byte each (Latin-1), key after key. */
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  /** Per entry: where its characters start, and how many. */
  private starts = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  /**
   * Open addressing, two numbers per slot: the key's hash and its entry + 1 (0: an empty slot).
   * The hash sits next to the entry, so a probe reads one cache line and a new key, whose hash
   * matches nothing, never touches the arena. The number of slots is a power of two.
   */
  private table = new Int32Array(2 << 13);
  private entries = 0;
  private readonly wide = new Set<string>();

  get size(): number {
    return this.entries + this.wide.size;
  }

  /** True when the key was seen before; otherwise remembers it and returns false. */
  seen(key: DuplicateKey): boolean {
    const { vendor, period, reference } = key;
    // The separator is hashed as a byte 0 between the parts.
    let hash = fnv(FNV_SEED, vendor);
    if (hash !== WIDE) hash = fnv(hashStep(hash, SEPARATOR), period);
    if (hash !== WIDE) hash = fnv(hashStep(hash, SEPARATOR), reference);
    if (hash === WIDE) return this.seenWide(key);
    const length = vendor.length + period.length + reference.length + 2;
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = (table[2 * slot + 1] as number) - 1;
      if (entry < 0) {
        this.insert(slot, hash, length, vendor, period, reference);
        return false;
      }
      if (table[2 * slot] === hash && this.lengths[entry] === length && this.matches(entry, vendor, period, reference))
        return true;
    }
  }

  private seenWide({ vendor, period, reference }: DuplicateKey): boolean {
    const text = JSON.stringify([vendor, period, reference]);
    if (this.wide.has(text)) return true;
    this.wide.add(text);
    return false;
  }

  private matches(entry: number, vendor: string, period: string, reference: string): boolean {
    let at = this.starts[entry] as number;
    at = same(this.arena, at, vendor);
    if (at < 0 || this.arena[at] !== SEPARATOR) return false;
    at = same(this.arena, at + 1, period);
    if (at < 0 || this.arena[at] !== SEPARATOR) return false;
    return same(this.arena, at + 1, reference) >= 0;
  }

  private insert(slot: number, hash: number, length: number, vendor: string, period: string, reference: string): void {
    const entry = this.entries++;
    if (entry === this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
    }
    if (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
    }
    this.starts[entry] = this.arenaUsed;
    this.lengths[entry] = length;
    let at = write(this.arena, this.arenaUsed, vendor);
    this.arena[at++] = SEPARATOR;
    at = write(this.arena, at, period);
    this.arena[at++] = SEPARATOR;
    this.arenaUsed = write(this.arena, at, reference);
    this.table[2 * slot] = hash;
    this.table[2 * slot + 1] = entry + 1;
    if (this.entries > (this.table.length >> 1) * MAX_LOAD) this.rehash();
  }

  private rehash(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = (table.length >> 1) - 1;
    for (let at = 0; at < old.length; at += 2) {
      const entry = old[at + 1] as number;
      if (entry === 0) continue;
      const hash = old[at] as number;
      let slot = hash & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = hash;
      table[2 * slot + 1] = entry;
    }
    this.table = table;
  }
}

/**
 * The hash value that sends a key to the ordinary Set: a character above U+00FF does not fit a
 * byte, and a U+0000 inside a part would make the separated bytes ambiguous. (An FNV result
 * that happens to be -1 sends its key there too: the route depends only on the key.)
 */
const WIDE = -1;

/** FNV-1a over the characters; WIDE as soon as one cannot be stored as a byte. */
function fnv(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff || code === SEPARATOR) return WIDE;
    hash = hashStep(hash, code);
  }
  return hash;
}

/** The arena position after `text` if the bytes from `at` spell it, else -1. */
function same(arena: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++, at++) if (arena[at] !== text.charCodeAt(i)) return -1;
  return at;
}

function write(arena: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) arena[at++] = text.charCodeAt(i);
  return at;
}

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
