/**
 * NDJSON usage files: one JSON object per line, with the same field names as a CSV header.
 * Numbers are read from their source text, never through a binary float: bare JSON numbers
 * are quoted before JSON.parse, so `12.10` stays "12.10" and `1e3` stays "1e3" (and is then
 * rejected by the strict decimal rules like its CSV twin).
 */
import { MAX_RECORD_CHARS, RowLimitError } from './csv-stream.js';

export interface JsonLine {
  readonly text: string;
  readonly line: number;
}

/** Splits text chunks into non-blank lines with their physical line numbers. */
export class LineSplitter {
  private carry = '';
  private line = 1;

  constructor(private readonly maxChars = MAX_RECORD_CHARS) {}

  push(text: string, out: JsonLine[] = []): JsonLine[] {
    const buf = this.carry + text;
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
      this.emit(buf.slice(start, nl), out);
      start = nl + 1;
    }
    this.carry = buf.slice(start);
    if (this.carry.length > this.maxChars) throw new RowLimitError(this.line, this.maxChars);
    return out;
  }

  end(out: JsonLine[] = []): JsonLine[] {
    if (this.carry.length > 0) this.emit(this.carry, out);
    this.carry = '';
    return out;
  }

  private emit(text: string, out: JsonLine[]): void {
    const trimmed = text.trim();
    if (trimmed !== '') out.push({ text: trimmed, line: this.line });
    this.line++;
  }
}

const NUMBER_START = /[-0-9]/;
const NUMBER_CHAR = /[-+0-9.eE]/;

/** Wraps every bare number outside strings in quotes. */
export function quoteBareNumbers(text: string): string {
  let out = '';
  let segment = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (NUMBER_START.test(ch)) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end] as string)) end++;
      out += `${text.slice(segment, i)}"${text.slice(i, end)}"`;
      segment = end;
      i = end - 1;
    }
  }
  return out + text.slice(segment);
}

/**
 * Marks a key whose value is an object or array. Such a value is no cell: under a key the
 * format reads, the row is rejected; under any other key it is ignored, as an unknown CSV
 * column is (exports such as Pax8's carry nested metadata beside the fields TrueUp reads).
 */
export const NESTED: unique symbol = Symbol('nested JSON value');
export type JsonCell = string | typeof NESTED;

/** A JSON object line as string cells keyed by its own keys, or a reason it is not one. */
export function parseJsonObjectLine(text: string): Map<string, JsonCell> | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(quoteBareNumbers(text));
  } catch {
    return { error: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
  const cells = new Map<string, JsonCell>();
  for (const [key, cell] of Object.entries(value)) {
    if (cell === null) cells.set(key, '');
    else if (typeof cell === 'string' || typeof cell === 'boolean') cells.set(key, String(cell));
    else cells.set(key, NESTED);
  }
  return cells;
}
