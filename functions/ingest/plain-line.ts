/**
 * Reads the cells of one quote-free CSV line in place, for the formats' fast lane
 * (`UsageFormat.bindLine`): no array of cells, no substring for a number or a repeated value
 * (those are hashed where they sit and looked up in an Interner).
 *
 * The cells the lane reads as text must be printable ASCII (U+0020–U+007E). Such a cell has no
 * control character, so the record keys' checks (record-keys.ts) come down to their lengths,
 * and its only whitespace is the space. Each read returns null (or -2) when the cell needs what
 * only the cell-by-cell path does (trimming, the literal `NULL`, a refusal and its message):
 * the format then gives up on the line and the reader converts it the ordinary way, so the two
 * paths always agree.
 */
import type { Dec } from '../domain/money.js';
import { decimalOfKey, isNegativeKey, plainDecimalKey } from './row-cells.js';
import { FNV_SEED, hashStep } from './fnv.js';
import type { Interner } from './interner.js';

const SPACE = 32;
const TILDE = 126;

export class PlainLine {
  private source = '';
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;

  constructor(private readonly width: number) {
    this.starts = new Int32Array(width);
    this.ends = new Int32Array(width);
  }

  /**
   * Takes the line text[start, stop) (`stop` being its `\n`): true when it has exactly `width`
   * cells, which the reads below then return. The commas are found natively; the characters of
   * a cell are looked at only when a read needs them.
   */
  split(text: string, start: number, stop: number): boolean {
    const end = stop > start && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
    const last = this.width - 1;
    let from = start;
    for (let cell = 0; cell < last; cell++) {
      const comma = text.indexOf(',', from);
      if (comma === -1 || comma >= end) return false;
      this.starts[cell] = from;
      this.ends[cell] = comma;
      from = comma + 1;
    }
    const extra = text.indexOf(',', from);
    if (extra !== -1 && extra < end) return false;
    this.starts[last] = from;
    this.ends[last] = end;
    this.source = text;
    return true;
  }

  /**
   * Cell `index` (-1: a column the file lacks, read as empty) as the interner's entry, when the
   * cell is printable ASCII and the text `text()` of row-cells.ts returns: -1 for an empty cell,
   * -2 for one the ordinary path must read (another character, an outer space, `NULL`) or
   * longer than `max`.
   */
  entry(index: number, interner: Interner<unknown>, max: number): number {
    if (index < 0) return -1;
    const from = this.starts[index] as number;
    const to = this.ends[index] as number;
    if (to === from) return -1;
    if (!this.plainText(from, to, max)) return -2;
    const text = this.source;
    let hash = FNV_SEED;
    for (let at = from; at < to; at++) {
      const code = text.charCodeAt(at);
      if (code < SPACE || code > TILDE) return -2;
      hash = hashStep(hash, code);
    }
    return interner.lookup(text, from, to, hash);
  }

  /** Cell `index` as `entry` rules it, cut out of the line: '' when empty, null when not plain. */
  text(index: number, max: number): string | null {
    if (index < 0) return '';
    const from = this.starts[index] as number;
    const to = this.ends[index] as number;
    if (to === from) return '';
    if (!this.plainText(from, to, max)) return null;
    const text = this.source;
    for (let at = from; at < to; at++) {
      const code = text.charCodeAt(at);
      if (code < SPACE || code > TILDE) return null;
    }
    return text.slice(from, to);
  }

  /**
   * Cell `index` as `toDecimal` of row-cells.ts would return it for a plain decimal of at most
   * MAX_KEYED_DIGITS digits (the same cached instance), undefined for an empty cell, null for
   * anything else, and for a negative value other than zero when `nonNegative`.
   */
  decimal(index: number, nonNegative: boolean): Dec | undefined | null {
    if (index < 0) return undefined;
    const from = this.starts[index] as number;
    const to = this.ends[index] as number;
    if (to === from) return undefined;
    const key = plainDecimalKey(this.source, from, to);
    if (key < 0 || (nonNegative && isNegativeKey(key))) return null;
    return decimalOfKey(key, this.source, from, to);
  }

  /** No outer space to trim, not the literal `NULL`, at most `max` characters. */
  private plainText(from: number, to: number, max: number): boolean {
    const text = this.source;
    if (to - from > max || text.charCodeAt(from) === SPACE || text.charCodeAt(to - 1) === SPACE) return false;
    return to - from !== 4 || !text.startsWith('NULL', from);
  }
}
