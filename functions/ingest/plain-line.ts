/**
 * Reads the cells of one quote-free CSV line in place, left to right, for the formats' fast
 * lane (`UsageFormat.bindLine`): no array of cells, no substring for a number, every character
 * looked at once. Each read returns null when the cell needs what only the cell-by-cell path
 * does (trimming, the literal `NULL`, a refusal and its message): the format then gives up on
 * the line and the reader converts it the ordinary way, so the two paths always agree.
 */
import type { Dec } from '../domain/money.js';
import { decimalOfKey, plainDecimalKey } from './cells.js';


export class PlainLine {
  private source = '';
  /** Where the next cell starts; `end + 1` once a cell has ended at the end of the line. */
  private at = 0;
  /** The end of the line, before a CRLF's `\r`. */
  private end = 0;
  /** A read went past the last cell: the line has fewer cells than the header. */
  private short = false;
  /** The first comma at or after some earlier position of `source` (2^32 - 1: none). */
  private comma = -1;

  /** Starts on the line text[start, stop), `stop` being its `\n`. */
  reset(text: string, start: number, stop: number): void {
    if (text !== this.source) this.comma = -1;
    this.source = text;
    this.at = start;
    this.end = stop > start && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
    this.short = false;
  }

  /** True when the cells read were exactly the line's cells: the last one ended the line. */
  complete(): boolean {
    return !this.short && this.at === this.end + 1;
  }

  /** Moves past the next cell. */
  skip(): void {
    this.cellEnd();
  }

  /**
   * The next cell as `text()` of cells.ts would return it when that is the cell itself: '' for
   * an empty cell, the cell when it has no surrounding whitespace and is not `NULL`; else null.
   */
  text(): string | null {
    const from = this.at;
    const to = this.cellEnd();
    if (to <= from) return '';
    const text = this.source;
    const first = text.charCodeAt(from);
    const last = text.charCodeAt(to - 1);
    const value = text.slice(from, to);
    // trim() is asked only when an end is not printable ASCII (its whitespace is all there is).
    if ((first <= 32 || first >= 127 || last <= 32 || last >= 127) && value.trim() !== value) return null;
    return to - from === 4 && value === 'NULL' ? null : value;
  }

  /**
   * The next cell as `toDecimal` of cells.ts would return it for a plain decimal of at most
   * MAX_KEYED_DIGITS digits (the same cached instance), undefined for an empty cell, null for
   * anything else, and for a negative value other than zero when `nonNegative`.
   */
  decimal(nonNegative: boolean): Dec | undefined | null {
    const from = this.at;
    if (from > this.end) {
      this.short = true;
      return null;
    }
    const to = this.cellEnd();
    if (to === from) return undefined;
    const key = plainDecimalKey(this.source, from, to);
    if (key < 0 || (nonNegative && key % 2 === 1 && key >= 32)) return null;
    return decimalOfKey(key, this.source, from, to);
  }

  /** The end of the next cell (its comma, or the end of the line), moving past it. */
  private cellEnd(): number {
    const at = this.at;
    const end = this.end;
    if (at > end) {
      this.short = true;
      return at;
    }
    // The next comma is searched natively and remembered: lines without one cost no rescans.
    let comma = this.comma;
    if (comma < at) this.comma = comma = this.source.indexOf(',', at) >>> 0;
    const stop = comma < end ? comma : end;
    this.at = stop + 1;
    return stop;
  }
}
