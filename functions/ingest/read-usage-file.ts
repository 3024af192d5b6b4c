/**
 * Streams one usage file (docs/contract.md §3): hashes the raw bytes, decodes them (BOM sniffed),
 * splits CSV or NDJSON, detects the format from the header and turns each data row into a
 * UsageRecord, a rejection, a duplicate or a skipped row. Memory stays bounded whatever the
 * file size: only the current chunk, one partial record and capped lists are held.
 * Invariant: rowsRead = rowsAccepted + rowsRejected + rowsDuplicate.
 */
import { createHash, type Hash } from 'node:crypto';
import { decodeStream } from '../text/decode.js';
import { ContainerError, unpack } from './container.js';
import type { UsageRecord } from '../domain/billing-types.js';
import { CsvStream, plainCells, RowLimitError, type CsvBatch } from './csv-stream.js';
import { LineSplitter, NESTED, parseJsonObjectLine, type JsonCell, type JsonLine } from './ndjson.js';
import { FORMATS, normalizeHeaderName, unknownHeaderMessage } from './registry.js';
import { recordKeyProblem } from './record-keys.js';
import { visible } from '../domain/reference/problems.js';
import type {
  BoundColumn,
  RowCells,
  FileReadSummary,
  LineConversion,
  ReadOptions,
  RowContext,
  RowConversion,
  RowRejection,
  UsageFormat,
  UsageSink,
} from './reader-types.js';

export { detectFormat, FORMATS } from './registry.js';
export type { FileReadSummary, ReadOptions, RowRejection, UsageFormat, UsageSink } from './reader-types.js';

export const MAX_REJECTIONS_KEPT = 10_000;
const RAW_MAX = 500;
const BUFFER_CHUNK = 64 * 1024;
const REPLACEMENT_CHAR = '\uFFFD';

export interface UsageFileInput {
  readonly name: string;
  readonly chunks: AsyncIterable<Uint8Array>;
  /**
   * The sha256 the raw bytes go into, when the caller finishes hashing the file itself should
   * the read stop early (its sink throwing); a new one by default.
   */
  readonly hash?: Hash;
}

export async function readUsageFile(
  input: UsageFileInput,
  sink: UsageSink,
  options: ReadOptions = {},
): Promise<FileReadSummary> {
  const hash = input.hash ?? createHash('sha256');
  const reader = new FileReader(input.name, sink, options);
  // sha256 and bytes are of the raw bytes (compressed, for a gzip file), which the archive keeps.
  const raw = tapBytes(input.chunks, hash, reader.summary)[Symbol.asyncIterator]();
  try {
    // Decoding continues after a file error so that sha256 and bytes cover the whole file.
    for await (const text of decodeStream(unpack(raw))) await reader.push(text);
    await reader.end();
  } catch (error) {
    if (!(error instanceof ContainerError)) throw error;
    reader.fail(error.message);
    for (let next = await raw.next(); !next.done; next = await raw.next()); // the rest, hashed
  }
  reader.summary.sha256 = hash.digest('hex');
  return reader.summary;
}

/** readUsageFile over a buffer already in memory. */
export function readUsageBuffer(
  name: string,
  bytes: Uint8Array,
  sink: UsageSink,
  options?: ReadOptions,
): Promise<FileReadSummary> {
  return readUsageFile({ name, chunks: chunksOf(bytes) }, sink, options);
}

async function* chunksOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += BUFFER_CHUNK) yield bytes.subarray(at, at + BUFFER_CHUNK);
}

async function* tapBytes(
  chunks: AsyncIterable<Uint8Array>,
  hash: Hash,
  summary: FileReadSummary,
): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    summary.bytes += chunk.length;
    yield chunk;
  }
}

/** How a detected format's columns sit in this file. */
interface Binding {
  readonly format: UsageFormat;
  /** Every column of the format with its cell index (-1 when the optional column is absent). */
  readonly columns: readonly BoundColumn[];
  /** The format's per-row conversion, bound to this file's columns. */
  readonly convert: (cells: RowCells, ctx: RowContext) => RowConversion;
  /** The format's fast lane for quote-free CSV lines, when it has one. */
  readonly line: LineConversion | undefined;
  /** The header's own spelling of each key, for rejection messages. */
  readonly headerNames: Readonly<Record<string, string>>;
  readonly width: number;
}

type Mode = 'sniff' | 'csv' | 'ndjson' | 'stopped';

class FileReader {
  readonly summary: FileReadSummary;
  private mode: Mode = 'sniff';
  private pending = '';
  private readonly csv = new CsvStream();
  private readonly lines = new LineSplitter();
  private binding: Binding | undefined;

  constructor(
    name: string,
    private readonly sink: UsageSink,
    private readonly options: ReadOptions,
  ) {
    this.summary = {
      name,
      sha256: '',
      bytes: 0,
      rowsRead: 0,
      rowsAccepted: 0,
      rowsSkipped: 0,
      rowsRejected: 0,
      rowsDuplicate: 0,
      rejections: [],
      rejectionsOmitted: 0,
      duplicates: [],
    };
  }

  async push(text: string): Promise<void> {
    if (this.mode === 'sniff') {
      this.pending += text;
      const first = /\S/.exec(this.pending);
      if (!first) return;
      this.mode = first[0] === '{' || first[0] === '[' ? 'ndjson' : 'csv';
      text = this.pending;
      this.pending = '';
    }
    if (this.mode === 'csv') await this.csvBatch(this.csv.push(text));
    else await this.split(() => this.lines.push(text));
  }

  async end(): Promise<void> {
    if (this.mode === 'sniff')
      return this.stop(
        this.pending.length === 0 ? 'the file is empty' : 'the file has only blank lines: no header row',
      );
    if (this.mode === 'csv') await this.csvBatch(this.csv.end());
    else await this.split(() => this.lines.end());
    if (!this.stopped() && !this.binding) this.stop('the file has no header row');
  }

  private async csvBatch(batch: CsvBatch): Promise<void> {
    const suspect = batch.suspect;
    for (const { text, start: first, end, line: firstLine } of batch.plain) {
      for (let start = first, line = firstLine; start < end; line++) {
        if (this.stopped()) return;
        const stop = text.indexOf('\n', start);
        const pending = this.plainLine(text, start, stop, line, suspect);
        if (pending) await pending;
        start = stop + 1;
      }
    }
    const { records, lines, problems } = batch;
    for (let i = 0; i < records.length; i++) {
      if (this.stopped()) return;
      const fields = records[i] as string[];
      const line = lines[i] as number;
      const problem = problems?.get(i);
      // Rows are handled synchronously; only a promise from the sink or the duplicate check is awaited.
      const pending = problem
        ? this.csvProblem(fields, line, problem.reason, problem.raw)
        : this.csvRecord(fields, line, batch.suspect);
      if (pending) await pending;
    }
    if (batch.limit && !this.stopped()) this.stop(batch.limit.message);
  }

  private async split(next: () => JsonLine[]): Promise<void> {
    if (this.mode === 'stopped') return;
    let items: JsonLine[];
    try {
      items = next();
    } catch (error) {
      if (error instanceof RowLimitError) return this.stop(error.message);
      throw error;
    }
    for (const item of items) {
      if (this.stopped()) return;
      const pending = this.jsonLine(item);
      if (pending) await pending;
    }
  }

  /**
   * A file error found below the text (an unreadable format, a damaged gzip stream): the rows
   * read before it stay read, as when a row is too long.
   */
  fail(reason: string): void {
    if (!this.stopped()) this.stop(reason);
  }

  private stopped(): boolean {
    return this.mode === 'stopped';
  }

  private stop(reason: string): void {
    this.mode = 'stopped';
    this.summary.fileError = reason;
  }

  private csvProblem(fields: string[], line: number, reason: string, raw: string | undefined): void {
    if (!this.binding) return this.stop(`the header row is not valid CSV: ${reason}`);
    this.summary.rowsRead++;
    this.reject(line, undefined, reason, raw === undefined ? fields : [raw]);
  }

  /**
   * One quote-free line (see CsvBatch): through the format's fast lane when that takes it, else
   * split into cells like any record.
   */
  private plainLine(text: string, start: number, stop: number, line: number, suspect: boolean): Promise<void> | void {
    const binding = this.binding;
    if (binding?.line !== undefined && !suspect) {
      const record = binding.line(text, start, stop, { file: this.summary.name, line });
      if (record !== undefined) {
        this.summary.rowsRead++;
        return this.accept(record, line);
      }
    }
    const cells = plainCells(text, start, stop);
    return cells === undefined ? undefined : this.csvRecord(cells, line, suspect);
  }

  private csvRecord(fields: string[], line: number, suspect: boolean): Promise<void> | void {
    if (!this.binding) return this.csvHeader(fields);
    this.summary.rowsRead++;
    const binding = this.binding;
    if (fields.length !== binding.width) {
      return this.reject(
        line,
        undefined,
        `has ${fields.length} cells but the header has ${binding.width} (wrong delimiter or an unquoted comma?)`,
        fields,
      );
    }
    if (suspect) {
      const bad = binding.columns.find(
        (column) => column.index >= 0 && (fields[column.index] as string).includes(REPLACEMENT_CHAR),
      );
      if (bad !== undefined) return this.reject(line, bad.key, NOT_TEXT, fields);
    }
    return this.convert(line, fields, fields);
  }

  private csvHeader(fields: string[]): void {
    const format = this.detect(fields);
    if (!format) return;
    const names = fields.map(normalizeHeaderName);
    const columns = Object.entries(format.columns).map(([key, spec]) => ({
      key,
      index: firstIndex(names, spec.names),
    }));
    const headerNames = Object.fromEntries(columns.map(({ key, index }) => [key, fields[index]?.trim() ?? key]));
    this.binding = bind(format, columns, headerNames, fields.length, true);
    this.summary.format = format.name;
  }

  private detect(headerCells: readonly string[]): UsageFormat | undefined {
    const names = headerCells.map(normalizeHeaderName);
    const format = FORMATS.find((candidate) => candidate.detect(names));
    if (!format) this.stop(unknownHeaderMessage(headerCells));
    return format;
  }

  private jsonLine(item: JsonLine): Promise<void> | void {
    const parsed = parseJsonObjectLine(item.text);
    if (!this.binding) {
      if ('error' in parsed) return this.stop(firstJsonLineProblem(item, parsed.error));
      if (!this.jsonHeader([...parsed.keys()])) return;
    }
    this.summary.rowsRead++;
    if ('error' in parsed) return this.reject(item.line, undefined, parsed.error, [item.text]);
    const byName = new Map<string, JsonCell>();
    for (const [key, value] of parsed)
      if (!byName.has(normalizeHeaderName(key))) byName.set(normalizeHeaderName(key), value);
    const format = (this.binding as Binding).format;
    const cells: string[] = [];
    for (const [key, spec] of Object.entries(format.columns)) {
      const name = spec.names.find((candidate) => byName.has(candidate));
      const value = name === undefined ? '' : (byName.get(name) as JsonCell);
      if (value === NESTED)
        return this.reject(item.line, key, 'must be a single value, not an object or array', [item.text]);
      if (value.includes(REPLACEMENT_CHAR)) return this.reject(item.line, key, NOT_TEXT, [item.text]);
      cells.push(value);
    }
    return this.convert(item.line, cells, [item.text]);
  }

  private jsonHeader(keys: readonly string[]): boolean {
    const format = this.detect(keys);
    if (!format) return false;
    // NDJSON cells are the object's values in the format's column order.
    const columns = Object.keys(format.columns).map((key, index) => ({ key, index }));
    this.binding = bind(format, columns, Object.fromEntries(columns.map(({ key }) => [key, key])), 0, false);
    this.summary.format = `${format.name}-ndjson`;
    return true;
  }

  /** `raw`: what a rejection shows (the CSV cells, or the NDJSON line). */
  private convert(line: number, cells: RowCells, raw: readonly string[]): Promise<void> | void {
    // A new context per row: formats use it as the record's `source`.
    const binding = this.binding as Binding;
    const result = binding.convert(cells, { file: this.summary.name, line });
    if (result === null) {
      this.summary.rowsAccepted++;
      this.summary.rowsSkipped++;
      return;
    }
    if ('reason' in result) return this.reject(line, result.field, result.reason, raw);
    const bad = recordKeyProblem(result, cells, binding.columns);
    if (bad !== undefined) return this.reject(line, bad.key, bad.reason, raw);
    return this.accept(result, line);
  }

  /**
   * A valid record: a duplicate row, or accepted and given to the sink. Synchronous unless the
   * duplicate check answers with a promise (or the sink returns one).
   */
  private accept(result: UsageRecord, line: number): Promise<void> | void {
    const duplicate = this.isDuplicate(result);
    if (typeof duplicate === 'boolean') return this.settle(duplicate, result, line);
    return duplicate.then((known) => this.settle(known, result, line));
  }

  private settle(duplicate: boolean, result: UsageRecord, line: number): Promise<void> | void {
    if (duplicate) {
      this.summary.rowsDuplicate++;
      keep(this.summary.duplicates, {
        file: this.summary.name,
        line,
        field: 'reference',
        reason: `reference "${result.reference}" was already seen for ${result.vendor} in ${result.period}`,
      });
      return;
    }
    this.summary.rowsAccepted++;
    return this.sink(result);
  }

  private isDuplicate(record: UsageRecord): boolean | Promise<boolean> {
    const check = this.options.isDuplicate;
    if (!check || !record.reference) return false;
    return check({ vendor: record.vendor, period: record.period, reference: record.reference });
  }

  private reject(line: number, key: string | undefined, reason: string, cells: readonly string[]): void {
    this.summary.rowsRejected++;
    const field = key === undefined ? undefined : visible(this.binding?.headerNames[key] ?? key);
    // Messages quote cells, and NDJSON fields are the file's keys: their control characters (an
    // ESC sequence for the terminal that prints the rejection) are shown as escapes.
    const rejection: RowRejection = {
      file: this.summary.name,
      line,
      ...(field === undefined ? {} : { field }),
      reason: visible(reason),
      raw: rawOf(cells),
    };
    if (!keep(this.summary.rejections, rejection)) this.summary.rejectionsOmitted++;
  }
}

const NOT_TEXT = "contains bytes that are not valid text in the file's encoding (mixed encodings?)";

function bind(
  format: UsageFormat,
  columns: BoundColumn[],
  headerNames: Record<string, string>,
  width: number,
  csv: boolean,
): Binding {
  const byKey = Object.fromEntries(columns.map((column) => [column.key, column]));
  return {
    format,
    columns,
    convert: format.bind(byKey),
    line: csv ? format.bindLine?.(byKey, width) : undefined,
    headerNames,
    width,
  };
}

function firstIndex(names: readonly string[], candidates: readonly string[]): number {
  for (const candidate of candidates) {
    const index = names.indexOf(candidate);
    if (index >= 0) return index;
  }
  return -1;
}

function keep(list: RowRejection[], entry: RowRejection): boolean {
  if (list.length >= MAX_REJECTIONS_KEPT) return false;
  list.push(entry);
  return true;
}

function rawOf(cells: readonly string[]): string {
  let raw = '';
  for (let i = 0; i < cells.length && raw.length <= RAW_MAX; i++) raw += i === 0 ? cells[i] : `,${cells[i]}`;
  return raw.length > RAW_MAX ? `${raw.slice(0, RAW_MAX)}…` : raw;
}

/**
 * Why the first line of an NDJSON file is refused. An API's answer saved as one JSON document
 * (`{` alone on line 1, as Partner Center's and Pax8's APIs return items) gets told apart from
 * a broken line, so the user knows to convert it rather than look for a typo.
 */
function firstJsonLineProblem(item: JsonLine, error: string): string {
  if (item.text === '{' || item.text === '[') {
    return (
      `line ${item.line}: the file is one JSON document spread over many lines (as an API returns it); ` +
      'TrueUp reads NDJSON, one JSON object per line with the fields of a CSV header, or CSV'
    );
  }
  return `line ${item.line}: the first line is not a JSON object (${error})`;
}
