/**
 * An incremental RFC 4180 record splitter that knows the physical line each record starts on.
 *
 * Text arrives in chunks of any size. Lines without a double quote take a fast path
 * (indexOf + split); a line with a quote is handed to a state machine that survives chunk
 * boundaries and counts the newlines inside quoted fields. Blank lines are not records.
 * A quote inside an unquoted field is kept literally (`5" screen`); text after a closing quote
 * (`"ab"c`) marks the record malformed. Memory is bounded: a record longer than `maxChars`
 * (a runaway quote, binary junk without newlines) throws CsvLimitError.
 */

export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
  /** Set when the record could not be split cleanly; the reader rejects it with this reason. */
  readonly error?: string;
  /** The record contains U+FFFD: bytes that were not valid in the file's encoding. */
  readonly suspect?: boolean;
}

export class CsvLimitError extends Error {
  constructor(readonly line: number, maxChars: number) {
    super(`the row starting at line ${line} is longer than ${maxChars} characters (an unterminated quote, or not a CSV file); reading stopped there`);
  }
}

const REPLACEMENT = '\uFFFD';
const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const enum State { FieldStart, Unquoted, Quoted, QuoteInQuoted }

export class CsvSplitter {
  private carry = '';
  /** Physical line of the first character not yet consumed. */
  private line = 1;
  // State of a record being split by the state machine (only while `open`).
  private open = false;
  private fields: string[] = [];
  private field = '';
  private state = State.FieldStart;
  private malformed = false;
  private recordLine = 0;

  constructor(private readonly maxChars = 8 * 1024 * 1024) {}

  /** Splits what it can of `text`; keeps an incomplete last record for the next call. */
  push(text: string, out: CsvRecord[] = []): CsvRecord[] {
    const buf = this.carry.length > 0 ? this.carry + text : text;
    this.carry = '';
    let i = this.open ? this.scan(buf, 0, out) : 0;
    let nextQuote = -2;
    while (i < buf.length && !this.open) {
      const nl = buf.indexOf('\n', i);
      if (nl === -1) {
        this.carry = buf.slice(i);
        if (this.carry.length > this.maxChars) throw new CsvLimitError(this.line, this.maxChars);
        break;
      }
      if (nextQuote !== -1 && nextQuote < i) nextQuote = buf.indexOf('"', i);
      if (nextQuote === -1 || nextQuote > nl) {
        this.fastLine(buf, i, nl, out);
        i = nl + 1;
      } else {
        this.begin();
        i = this.scan(buf, i, out);
      }
    }
    if (this.open && this.field.length > this.maxChars) throw new CsvLimitError(this.recordLine, this.maxChars);
    return out;
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(out: CsvRecord[] = []): CsvRecord[] {
    if (this.carry.length > 0) this.push('\n', out);
    if (this.open) {
      const unterminated = this.state === State.Quoted;
      this.fields.push(this.state === State.Unquoted ? stripCr(this.field) : this.field);
      this.finish(out, unterminated ? 'unterminated quoted field: a " opened here is never closed' : undefined);
    }
    return out;
  }

  private fastLine(buf: string, start: number, nl: number, out: CsvRecord[]): void {
    const end = nl > start && buf.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    if (end > start) {
      const text = buf.slice(start, end);
      if (text.charCodeAt(0) > 32 || text.trim() !== '') {
        out.push(text.includes(REPLACEMENT) ? { fields: text.split(','), line: this.line, suspect: true } : { fields: text.split(','), line: this.line });
      }
    }
    this.line++;
  }

  private begin(): void {
    this.open = true;
    this.fields = [];
    this.field = '';
    this.state = State.FieldStart;
    this.malformed = false;
    this.recordLine = this.line;
  }

  private finish(out: CsvRecord[], error?: string): void {
    const reason = error ?? (this.malformed ? 'malformed quoted field: text after a closing quote' : undefined);
    const suspect = this.fields.some((field) => field.includes(REPLACEMENT));
    out.push({ fields: this.fields, line: this.recordLine, ...(reason === undefined ? {} : { error: reason }), ...(suspect ? { suspect } : {}) });
    this.open = false;
    this.fields = [];
    this.field = '';
  }

  /** Runs the state machine from `i`; returns where the record ended, or buf.length if it continues. */
  private scan(buf: string, i: number, out: CsvRecord[]): number {
    let segment = i;
    for (; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) { this.state = State.Quoted; segment = i + 1; }
          else if (c === COMMA) this.fields.push('');
          else if (c === LF) { this.line++; this.fields.push(''); this.finish(out); return i + 1; }
          else { this.state = State.Unquoted; segment = i; }
          break;
        case State.Unquoted:
          if (c === COMMA) { this.fields.push(this.field + buf.slice(segment, i)); this.field = ''; this.state = State.FieldStart; }
          else if (c === LF) { this.line++; this.fields.push(stripCr(this.field + buf.slice(segment, i))); this.finish(out); return i + 1; }
          break;
        case State.Quoted:
          if (c === QUOTE) { this.field += buf.slice(segment, i); this.state = State.QuoteInQuoted; }
          else if (c === LF) this.line++;
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) { this.field += '"'; this.state = State.Quoted; segment = i + 1; }
          else if (c === COMMA) { this.fields.push(this.field); this.field = ''; this.state = State.FieldStart; }
          else if (c === LF) { this.line++; this.fields.push(this.field); this.finish(out); return i + 1; }
          else if (c !== CR) { this.malformed = true; this.state = State.Unquoted; segment = i; }
          break;
      }
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) this.field += buf.slice(segment);
    return i;
  }
}

function stripCr(text: string): string {
  return text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text;
}
