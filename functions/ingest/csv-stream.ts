/**
 * CSV records from text chunks of any size, split by papaparse (RFC 4180), each with the
 * physical 1-based line it starts on.
 *
 * How papaparse is driven: its core `Papa.Parser` is given the unconsumed text
 * (`parse(text, 0, ignoreLastRow = true)`), exactly as papaparse's own ChunkStreamer does: it
 * returns the complete records and `meta.cursor`, the offset just after the last complete
 * record; the rest (a partial record) is kept and the next chunk appended to it. Doing this loop
 * here rather than through `Papa.parse(stream)` is what lets us bound memory and know lines:
 *
 * - Lines: the text before `meta.cursor` holds N newlines for R records. When N = R every record
 *   is one physical line (the common case, one `indexOf` pass per chunk). Otherwise each record
 *   spans 1 + the newlines inside its (quoted) fields: a record's source is its fields, the
 *   delimiters and quotes around them and one terminating `\n`, and papaparse keeps quoted
 *   newlines verbatim. `newline` is fixed to `\n` (papaparse would otherwise guess it from the
 *   first chunk, which depends on the chunk size): a `\r` before it ends an unquoted last cell
 *   and is dropped, or is skipped by papaparse as a blank after a closing quote.
 * - Memory: the unconsumed text is one partial record. When it grows past `maxChars` (a runaway
 *   quote, binary junk without newlines) the batch carries a RowLimitError and the reader stops
 *   the file. A record still incomplete is re-parsed only after the unconsumed text has doubled,
 *   so a long record costs linear, not quadratic, time.
 * - Malformed quotes: papaparse reports text after a closing quote (`"ab"c`) as InvalidQuotes
 *   and goes on looking for another closing quote, swallowing the following lines. We keep the
 *   rule of docs/contract.md §3 instead: the record is rejected where it starts, the text after
 *   the bad quote is its unquoted remainder, and splitting resumes (with papaparse) right after
 *   the bad quote, so only that record is lost. An InvalidQuotes error is acted on once it is
 *   certain (non-blank text between the quote and the next `,`/newline); papaparse also raises
 *   it when the chunk simply ends after the quote.
 * - An unclosed quote: the rest of the file is inside it; the record is rejected at its start.
 * - Blank (or whitespace-only) lines are not records. A quote inside an unquoted cell is literal.
 */
import Papa from 'papaparse';

/** The longest record kept in memory while waiting for its end (characters). */
export const MAX_RECORD_CHARS = 8 * 1024 * 1024;

export class RowLimitError extends Error {
  constructor(
    readonly line: number,
    maxChars: number,
  ) {
    super(
      `the row starting at line ${line} is longer than ${maxChars} characters (an unterminated quote, or not a CSV file); reading stopped there`,
    );
  }
}

export interface CsvProblem {
  readonly reason: string;
  /** The record's source, for the rejection (papaparse's cells would hold the swallowed lines). */
  readonly raw?: string;
}

/**
 * Whole quote-free lines, not split yet: text[start, end) holds lines that are each a record
 * (`plainCells`) unless blank, the first on physical line `line`.
 */
export interface PlainRun {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

/**
 * The records a chunk completed. Arrays rather than one object per record: this runs per row.
 * The quote-free lines come first (`plain`, in order), then `records`.
 */
export interface CsvBatch {
  readonly plain: PlainRun[];
  readonly records: string[][];
  /** The physical line where records[i] starts. */
  readonly lines: number[];
  /** Records that could not be split cleanly, by index in `records`; the reader rejects them. */
  problems: Map<number, CsvProblem> | undefined;
  /** Some record contains U+FFFD (bytes that were not valid in the file's encoding). */
  suspect: boolean;
  /** Set when a record outgrew the limit: the records before it are in the batch, then stop. */
  limit: RowLimitError | undefined;
}

const MALFORMED = 'malformed quoted field: text after a closing quote';
const UNTERMINATED = 'unterminated quoted field: a " opened here is never closed';
const RAW_MAX = 500;
const NEWLINE = 10;

export class CsvStream {
  private readonly parser = new Papa.Parser({ delimiter: ',', newline: '\n', quoteChar: '"' });
  /** Text not yet consumed; it starts where a record starts. */
  private text = '';
  /** Physical line of text[0]. */
  private line = 1;
  /** Parse again once the text is this long (it doubles while one record stays incomplete). */
  private parseAt = 0;
  /** A record rejected for a bad closing quote whose unquoted remainder is the next record parsed. */
  private malformed: { readonly line: number; readonly head: string } | undefined;

  constructor(private readonly maxChars = MAX_RECORD_CHARS) {}

  push(chunk: string): CsvBatch {
    const batch = emptyBatch();
    if (!this.malformed && this.pushPlain(batch, chunk)) {
      if (this.text.includes('"')) this.drain(batch);
      this.parseAt = this.text.length * 2;
      if (this.text.length > this.maxChars) batch.limit = new RowLimitError(this.line, this.maxChars);
      return batch;
    }
    this.text = this.text.length === 0 ? chunk : this.text + chunk;
    if (this.text.length < this.parseAt && this.text.length <= this.maxChars) return batch;
    this.drain(batch);
    this.parseAt = this.text.length * 2;
    if (this.text.length > this.maxChars)
      batch.limit = new RowLimitError(this.malformed?.line ?? this.line, this.maxChars);
    return batch;
  }

  /** The last records: a file need not end with a newline, and a quote may never close. */
  end(): CsvBatch {
    const batch = emptyBatch();
    if (this.text.length === 0) return batch;
    // With a final newline the last record ends like every other one.
    const appended = this.text.charCodeAt(this.text.length - 1) !== NEWLINE;
    if (appended) this.text += '\n';
    this.drain(batch);
    if (this.text.length > 0) {
      // Only an unclosed quote leaves text: papaparse puts the rest of the file in its last cell.
      const result = this.parser.parse(this.text, 0, false) as Papa.ParseResult<string[]>;
      const fields = result.data[0] ?? [this.text];
      if (appended) fields[fields.length - 1] = (fields[fields.length - 1] as string).slice(0, -1);
      if (this.malformed) this.addMalformed(batch, fields);
      else addRecord(batch, fields, this.line, { reason: UNTERMINATED });
      this.text = '';
    }
    return batch;
  }

  /** Consumes every complete record of the text into the batch. */
  private drain(batch: CsvBatch): void {
    if (!this.malformed && this.drainPlain(batch)) return;
    for (;;) {
      const text = this.text;
      const result = this.parser.parse(text, 0, true) as Papa.ParseResult<string[]>;
      const bad = result.errors.find((error) => error.code === 'InvalidQuotes');
      if (bad !== undefined && bad.index !== undefined && bad.row !== undefined) {
        const quote = closingQuote(text, bad.index);
        if (quote !== -1 && textFollows(text, quote + 1)) {
          const line = this.consume(batch, result.data, bad.row, quote + 1);
          this.malformed ??= { line, head: cut(text.slice(text.lastIndexOf('\n', bad.index) + 1, quote + 1)) };
          continue;
        }
      }
      this.consume(batch, result.data, result.data.length, result.meta.cursor);
      return;
    }
  }

  /**
   * The common shape, read in the chunk's own string: when the carried text and the chunk's
   * first line hold no `"`, that line completes the carried one, and the chunk's following
   * lines up to its first `"` are quote-free lines handed over where they are. Not gluing the
   * chunk to the carried text keeps the rows in a flat string, which reads several times faster
   * than a concatenation. True when taken: the text left is then the chunk's incomplete last
   * line, or its rest from the line of its first `"`, for papaparse.
   */
  private pushPlain(batch: CsvBatch, chunk: string): boolean {
    const carry = this.text;
    if (carry.includes('"')) return false;
    const first = chunk.indexOf('\n');
    const quote = chunk.indexOf('"');
    if (first === -1 || (quote !== -1 && quote < first)) return false;
    const end = chunk.lastIndexOf('\n', quote === -1 ? chunk.length : quote) + 1;
    let start = 0;
    if (carry.length > 0) {
      this.addPlain(batch, carry + chunk.slice(0, first + 1), 0, carry.length + first + 1, 1);
      start = first + 1;
    }
    if (end > start) this.addPlain(batch, chunk, start, end, countNewlines(chunk, start, end));
    this.text = end === chunk.length ? '' : chunk.slice(end);
    return true;
  }

  private addPlain(batch: CsvBatch, text: string, start: number, end: number, lines: number): void {
    if (text.lastIndexOf('\uFFFD', end - 1) >= start) batch.suspect = true;
    batch.plain.push({ text, start, end, line: this.line });
    this.line += lines;
  }

  /**
   * The fast path for the common shape: the lines before the first `"` of the text hold no
   * quoted cell, so each is one record whose cells are what is between the commas, exactly as
   * papaparse splits quote-free text (its own fast mode: split on `\n`, then on `,`). They are
   * handed over as they are (`CsvBatch.plain`), for the reader to convert or split with
   * `plainCells`. True when nothing that papaparse would need is left: the text has no quote,
   * so the rest is an incomplete last line.
   */
  private drainPlain(batch: CsvBatch): boolean {
    const text = this.text;
    const quote = text.indexOf('"');
    const end = text.lastIndexOf('\n', quote === -1 ? text.length : quote) + 1;
    if (end > 0) {
      this.addPlain(batch, text, 0, end, countNewlines(text, 0, end));
      this.text = end === text.length ? '' : text.slice(end);
    }
    return quote === -1;
  }

  /**
   * Adds rows[0, count) to the batch and drops text[0, end) (which holds them).
   * Returns the physical line where rows[count] starts.
   */
  private consume(batch: CsvBatch, rows: string[][], count: number, end: number): number {
    const text = this.text;
    const newlines = countNewlines(text, 0, end);
    const oneLineEach = newlines === count;
    const cr = text.indexOf('\r');
    const crlf = cr !== -1 && cr < end;
    let line = this.line;
    for (let i = 0; i < count; i++) {
      const row = rows[i] as string[];
      if (crlf) stripCr(row);
      if (this.malformed) this.addMalformed(batch, row);
      else if (row.length > 1 || (row[0] as string).trim() !== '') addRecord(batch, row, line);
      line += oneLineEach ? 1 : 1 + fieldNewlines(row);
    }
    const replacement = text.indexOf('\uFFFD');
    if (replacement !== -1 && replacement < end) batch.suspect = true;
    this.line += newlines;
    this.text = end === text.length ? '' : text.slice(end);
    return line;
  }

  private addMalformed(batch: CsvBatch, rest: string[]): void {
    const { line, head } = this.malformed as { line: number; head: string };
    this.malformed = undefined;
    addRecord(batch, rest, line, { reason: MALFORMED, raw: cut(head + rest.join(',')) });
  }
}

/**
 * The cells of the quote-free line text[start, stop) (stop: its `\n`), with a CRLF's `\r`
 * dropped from the last cell as `stripCr` does; undefined for a blank or whitespace-only line,
 * which is not a record. One pass over the line's characters.
 */
export function plainCells(text: string, start: number, stop: number): string[] | undefined {
  let cells: string[] | undefined;
  let from = start;
  for (let at = start; at < stop; at++) {
    if (text.charCodeAt(at) !== 44) continue;
    (cells ??= []).push(text.slice(from, at));
    from = at + 1;
  }
  const last = text.slice(from, text.charCodeAt(stop - 1) === 13 && stop > from ? stop - 1 : stop);
  if (cells !== undefined) cells.push(last);
  else if (last.trim() !== '') cells = [last];
  return cells;
}

/** CRLF files: the \r of the line ending stays in an unquoted last cell; drop it. */
function stripCr(row: string[]): void {
  const last = row[row.length - 1] as string;
  if (last.charCodeAt(last.length - 1) === 13) row[row.length - 1] = last.slice(0, -1);
}

function emptyBatch(): CsvBatch {
  return { plain: [], records: [], lines: [], problems: undefined, suspect: false, limit: undefined };
}

function addRecord(batch: CsvBatch, fields: string[], line: number, problem?: CsvProblem): void {
  if (problem) (batch.problems ??= new Map()).set(batch.records.length, problem);
  batch.records.push(fields);
  batch.lines.push(line);
}

/** The first quote at or after `from` (a quoted cell's first character) that is not a doubled `""`. */
function closingQuote(text: string, from: number): number {
  let at = text.indexOf('"', from);
  while (at !== -1 && text.charCodeAt(at + 1) === 34) at = text.indexOf('"', at + 2);
  return at;
}

/** True when non-blank text follows `from` before the next comma or newline: the quote before it is certainly malformed. */
function textFollows(text: string, from: number): boolean {
  let end = from;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c === 44 || c === NEWLINE) break;
    end++;
  }
  return text.slice(from, end).trim() !== '';
}

function countNewlines(text: string, start: number, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', start); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

function fieldNewlines(row: readonly string[]): number {
  let count = 0;
  for (const field of row) {
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) count++;
  }
  return count;
}

function cut(text: string): string {
  return text.length > RAW_MAX ? `${text.slice(0, RAW_MAX)}…` : text;
}
