/**
 * The vocabulary of the usage-file readers (docs/contract.md §3): a format descriptor, a row
 * rejection and the figures of one file read.
 */
import type { UsageRecord } from '../domain/billing-types.js';

/** Why one data row was not ingested. `line` is the 1-based physical line where the row starts. */
export interface RowRejection {
  readonly file: string;
  readonly line: number;
  /** The column as spelled in the file's header, when one column is at fault. */
  readonly field?: string;
  readonly reason: string;
  /** The row's cells joined by commas, cut at 500 characters. */
  readonly raw?: string;
}

export interface FileReadSummary {
  readonly name: string;
  /** The detected format (`canonical`, `focus`, …; `-ndjson` appended for NDJSON files). */
  format?: string;
  sha256: string;
  bytes: number;
  rowsRead: number;
  /** Valid rows, duplicates excluded; includes `rowsSkipped`. */
  rowsAccepted: number;
  /** Accepted rows that carry no usage and produce no record (FOCUS/CUR Tax lines). */
  rowsSkipped: number;
  rowsRejected: number;
  rowsDuplicate: number;
  /** The first MAX_REJECTIONS_KEPT rejections; `rejectionsOmitted` counts the rest. */
  rejections: RowRejection[];
  rejectionsOmitted: number;
  /** The first MAX_REJECTIONS_KEPT duplicate rows (field `reference`), for the report. */
  duplicates: RowRejection[];
  /** Set when the file as a whole cannot be read (unknown header, empty, runaway line). */
  fileError?: string;
}

/** Where the row being converted sits. */
export interface RowContext {
  readonly file: string;
  readonly line: number;
}

/** One column a format reads, under any of its accepted header names (lower-case, trimmed). */
export interface ColumnSpec {
  readonly names: readonly string[];
  /** Needed for the format to be detected. */
  readonly required?: boolean;
}

/** A format's column as found in one file: its key in `columns` and its cell index (-1: absent). */
export interface BoundColumn {
  readonly key: string;
  readonly index: number;
}

/** One row's raw cells (a CSV record, or an NDJSON object's values in column order). Read them with row-cells.ts. */
export type RowCells = readonly string[];

/** A record, a rejection, or null for a valid row that carries no usage (counted as accepted and skipped). */
export type RowConversion = UsageRecord | RowRejection | null;

/**
 * A usage file format: one file under `formats/`. Once per file, `bind` gets where each of its
 * columns sits and returns the per-row conversion; a row is then an array of cells read by
 * index (no per-row object keyed by column name). The cells array is the reader's: a format
 * must not keep it.
 */
export interface UsageFormat<K extends string = string> {
  readonly name: string;
  readonly description: string;
  readonly columns: Readonly<Record<K, ColumnSpec>>;
  /** Header names arrive trimmed and lower-cased. */
  detect(headerNames: readonly string[]): boolean;
  bind(columns: Readonly<Record<K, BoundColumn>>): (cells: RowCells, ctx: RowContext) => RowConversion;
  /**
   * Optional fast lane for CSV files of `width` columns: the record of one quote-free line,
   * read straight from the text without splitting it into cells, or undefined whenever the row
   * is not plainly valid, its keys included (record-keys.ts; the reader then splits the line,
   * calls `bind`'s conversion and checks the keys). For any line it accepts, it must return
   * exactly what `bind`'s conversion returns for the line's cells. Undefined when the columns
   * do not suit it.
   */
  bindLine?(columns: Readonly<Record<K, BoundColumn>>, width: number): LineConversion | undefined;
}

/**
 * The record of the quote-free line text[start, stop) (`stop` is its `\n`; a CRLF's `\r` may
 * end it), or undefined to let the cell-by-cell conversion decide.
 */
export type LineConversion = (text: string, start: number, stop: number, ctx: RowContext) => UsageRecord | undefined;

export type UsageSink = (record: UsageRecord) => void | Promise<void>;

export interface DuplicateKey {
  readonly vendor: string;
  readonly period: string;
  readonly reference: string;
}

export interface ReadOptions {
  /**
   * True when (vendor, period, reference) was seen before; the caller keeps the set across files.
   * It may answer with a promise (to load what it needs first): the reader waits for it before
   * the next row. A boolean keeps the row synchronous, as it should be for all but a few rows.
   */
  readonly isDuplicate?: (key: DuplicateKey) => boolean | Promise<boolean>;
}
