/**
 * Reading a reference CSV into rows of named cells with their physical line numbers
 * (docs/contract.md §2): RFC 4180 quoting via papaparse, LF or CRLF, header names matched
 * case-insensitively ignoring surrounding spaces, unknown columns ignored, blank lines
 * skipped, cells trimmed, and the literal `NULL` counted as empty.
 *
 * Each row then goes through a zod schema; its issues become problems naming the column.
 */
import Papa from 'papaparse';
import type { z } from 'zod';
import type { Problem } from './problems.js';

/** A data row's cells by column name; empty and `NULL` cells are absent. */
export type NamedCells = Readonly<Record<string, string | undefined>>;

export interface RawRow {
  readonly line: number;
  readonly cells: NamedCells;
}

export interface Located<T> {
  readonly line: number;
  readonly value: T;
}

export interface TableSpec<T> {
  /** Every column the file may have, lower-case. */
  readonly columns: readonly string[];
  /** The columns whose absence from the header stops the file. */
  readonly required: readonly string[];
  /** The row schema, over the cells object (keys are column names). */
  readonly row: z.ZodType<T>;
}

export interface Table<T> {
  /** False when the header itself was unusable: no row was read. */
  readonly headerOk: boolean;
  /** Every data row that could be split into cells, valid or not (for cross-file checks). */
  readonly raw: readonly RawRow[];
  /** The rows that passed the schema. */
  readonly rows: readonly Located<T>[];
  readonly problems: readonly Problem[];
}

interface Record_ {
  readonly line: number;
  readonly fields: readonly string[];
  readonly quoteError?: boolean;
}

/** Splits text into records, each with the physical line it starts on. */
function splitRecords(text: string): Record_[] {
  // One line-break convention for papaparse (a file may mix them), and no BOM.
  const normalized = text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
  const records: Record_[] = [];
  let start = 0;
  let line = 1;
  let stop = false;
  Papa.parse<string[]>(normalized, {
    header: false,
    delimiter: ',',
    newline: '\n',
    quoteChar: '"',
    escapeChar: '"',
    skipEmptyLines: false,
    dynamicTyping: false,
    step: (result, parser) => {
      if (stop) return;
      const codes = new Set(result.errors.map((error) => error.code));
      const quoteError = codes.has('MissingQuotes') || codes.has('InvalidQuotes');
      records.push({ line, fields: result.data, ...(quoteError ? { quoteError } : {}) });
      if (quoteError) {
        stop = true;
        parser.abort();
        return;
      }
      const end = result.meta.cursor;
      for (let i = start; i < end; i++) if (normalized.charCodeAt(i) === 10) line++;
      start = end;
    },
  });
  return records;
}

function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => field.trim() === '');
}

const QUOTE_PROBLEM =
  'has a misplaced or unclosed double quote, so this row and the rest of the file could not be read: ' +
  'a value containing " must be enclosed in double quotes with each " inside doubled ("")';

const headerName = (name: string): string => name.trim().toLowerCase();

/**
 * The header's names for a message: at most 12, each cut at 40 characters, so a file that is
 * not CSV at all (binary, one huge line) gives a short message.
 */
function foundColumns(fields: readonly string[]): string {
  const names = fields.map(headerName).filter((name) => name !== '');
  if (names.length === 0) return 'nothing';
  const shown = names.slice(0, 12).map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name));
  return shown.join(', ') + (names.length > 12 ? `, … (${names.length} columns)` : '');
}

/** Reads `text` as the CSV file `file` described by `spec`. */
export function readTable<T>(text: string, file: string, spec: TableSpec<T>): Table<T> {
  const problems: Problem[] = [];
  const records = splitRecords(text);
  const headerIndex = records.findIndex((record) => !isBlank(record.fields));
  const header = records[headerIndex];
  if (header === undefined) {
    problems.push({ file, reason: `is empty: it needs a header row with the columns ${spec.columns.join(', ')}` });
    return { headerOk: false, raw: [], rows: [], problems };
  }
  if (header.quoteError) {
    problems.push({ file, line: header.line, reason: QUOTE_PROBLEM });
    return { headerOk: false, raw: [], rows: [], problems };
  }

  const positions = new Map<string, number>();
  header.fields.forEach((field, index) => {
    const name = headerName(field);
    if (!spec.columns.includes(name)) return;
    if (positions.has(name))
      problems.push({ file, line: header.line, column: name, reason: 'appears twice in the header' });
    else positions.set(name, index);
  });
  const found = foundColumns(header.fields);
  for (const column of spec.required) {
    if (!positions.has(column)) {
      problems.push({ file, line: header.line, column, reason: `is missing from the header (found: ${found})` });
    }
  }
  if (problems.length > 0) return { headerOk: false, raw: [], rows: [], problems };

  const raw: RawRow[] = [];
  const rows: Located<T>[] = [];
  for (const record of records.slice(headerIndex + 1)) {
    if (record.quoteError !== undefined) {
      // papaparse keeps looking for the closing quote, so the row boundaries after it are unreliable.
      problems.push({ file, line: record.line, reason: QUOTE_PROBLEM });
      break;
    }
    if (isBlank(record.fields)) continue;
    const extra = record.fields.slice(header.fields.length);
    if (extra.some((field) => field.trim() !== '')) {
      problems.push({
        file,
        line: record.line,
        reason: `has ${record.fields.length} values but the header has ${header.fields.length} columns: quote values that contain a comma`,
      });
      continue;
    }
    const cells: Record<string, string | undefined> = {};
    for (const [column, index] of positions) {
      const value = record.fields[index]?.trim();
      if (value !== undefined && value !== '' && value !== 'NULL') cells[column] = value;
    }
    raw.push({ line: record.line, cells });
    const parsed = spec.row.safeParse(cells);
    if (parsed.success) {
      rows.push({ line: record.line, value: parsed.data });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const column = issue.path[0];
      problems.push({
        file,
        line: record.line,
        ...(typeof column === 'string' ? { column } : {}),
        reason: issue.message,
      });
    }
  }
  return { headerOk: true, raw, rows, problems };
}

/** The problem for a repeated key, on the later line. */
export interface KeyColumn {
  /** Columns that together form the key (named in the problem). */
  readonly columns: readonly string[];
  /** Normalizes one cell for comparison (vendor keys are lower-cased). */
  readonly normalize?: (column: string, value: string) => string;
}

/** Reports every row whose key repeats an earlier row's, naming the first line. */
export function duplicateKeys(raw: readonly RawRow[], file: string, key: KeyColumn): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, number>();
  for (const row of raw) {
    const values = key.columns.map((column) => row.cells[column]);
    if (values.some((value) => value === undefined)) continue;
    const normalized = key.columns.map((column, i) =>
      key.normalize ? key.normalize(column, values[i] as string) : (values[i] as string),
    );
    const id = JSON.stringify(normalized);
    const earlier = first.get(id);
    if (earlier === undefined) {
      first.set(id, row.line);
      continue;
    }
    const label =
      key.columns.length === 1
        ? `${key.columns[0]} ${JSON.stringify(normalized[0])}`
        : `(${key.columns.join(', ')}) (${normalized.map((value) => JSON.stringify(value)).join(', ')})`;
    problems.push({
      file,
      line: row.line,
      column: key.columns[key.columns.length - 1] as string,
      reason: `duplicate ${label}: already on line ${earlier}`,
    });
  }
  return problems;
}
