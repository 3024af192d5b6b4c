/**
 * Normalized usage at rest, in the artifacts bucket:
 * - `normalized/<period>/<sha256>.<part>.ndjson`: one NDJSON object per record, the records of
 *   one file and period in parts of about PART_SIZE bytes (`<part>` is 00000, 00001 …, so the
 *   keys sort in write order);
 * - `refs/<period>/<sha256>.<part>.txt`: the (vendor, reference) keys of those records, one
 *   `vendor\0reference` per line, for duplicate-row detection;
 * - `normalized/<period>/<sha256>.parts.json`: the seal, `{"records":n,"refs":m}`, written once
 *   every part of the file is stored. Only parts below a seal's counts are read: a file whose
 *   ingest died half-way is neither billed nor counted for duplicates, and a part left over
 *   from an earlier attempt that wrote more parts than the last one is ignored.
 * The parts of a file are a function of its content (and of the refs other files stored
 * before it): a re-run writes the same keys again.
 */
import { Dec } from '../domain/money.js';
import type { Period } from '../domain/dates.js';
import type { UsageRecord } from '../domain/types.js';
import type { DuplicateKey } from '../ingest/types.js';
import { ReferenceSet } from '../ingest/reference-set.js';
import type { BlobStore } from './ports.js';

/**
 * How large a part grows before it is written: 4 MiB of UTF-8, plus the line that passes it
 * (well under the embedded S3's 11 MiB body limit).
 */
export const PART_SIZE = 4 * 1024 * 1024;
/** Part numbers are zero-padded to this many digits, so that keys sort in part order. */
const PART_DIGITS = 5;
const MAX_PARTS = 10 ** PART_DIGITS;

/** The key of one part of a file's normalized records. */
export function normalizedKey(period: Period, sha256: string, part: number): string {
  return `normalized/${period}/${sha256}${partSuffix(part)}.ndjson`;
}

/** The key of one part of a file's references. */
export function referencesKey(period: Period, sha256: string, part: number): string {
  return `refs/${period}/${sha256}${partSuffix(part)}.txt`;
}

/** The seal of a file's parts in one period (see the top of this file). */
export function sealKey(period: Period, sha256: string): string {
  return `normalized/${period}/${sha256}.parts.json`;
}

interface Seal {
  readonly records: number;
  readonly refs: number;
}

/** One object of a period's listing: the file it belongs to, and its part number. */
interface StoredPart {
  readonly key: string;
  readonly sha256: string;
  readonly part: number;
}

const PART_NAME = /^([0-9a-f]{64})\.(\d{5})\.(ndjson|txt)$/;

/** The parts of `keys` (a listing of `prefix`) that are data to read: sealed parts below their seal's count. */
function readableParts(keys: readonly string[], prefix: string, seals: ReadonlyMap<string, Seal>, count: (seal: Seal) => number): StoredPart[] {
  const parts: StoredPart[] = [];
  for (const key of keys) {
    const match = PART_NAME.exec(key.slice(prefix.length));
    if (!match) continue;
    const [, sha256 = '', part = ''] = match;
    const seal = seals.get(sha256);
    if (seal !== undefined && Number(part) < count(seal)) parts.push({ key, sha256, part: Number(part) });
  }
  return parts;
}

/** The seals of a period, by file. `keys`: the listing of `normalized/<period>/`, when already at hand. */
async function sealsOf(artifacts: BlobStore, period: Period, keys?: readonly string[]): Promise<Map<string, Seal>> {
  const prefix = `normalized/${period}/`;
  const seals = new Map<string, Seal>();
  for (const key of keys ?? await artifacts.list(prefix)) {
    if (!key.endsWith('.parts.json')) continue;
    const bytes = await artifacts.get(key);
    if (bytes === undefined) continue;
    const seal = JSON.parse(new TextDecoder().decode(bytes)) as Seal;
    seals.set(key.slice(prefix.length, -'.parts.json'.length), seal);
  }
  return seals;
}

function partSuffix(part: number): string {
  if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS) throw new RangeError(`part ${part} is outside 0…${MAX_PARTS - 1}`);
  return `.${String(part).padStart(PART_DIGITS, '0')}`;
}

/**
 * One NDJSON line: what JSON.stringify gives for the record, with its fields in the order of
 * the UsageRecord type. Written by hand because JSON.stringify turned each Dec into text through
 * its toJSON on every row (about 3 s per 1,000,000 rows); the readers share one Dec per literal,
 * so each instance's JSON text is computed once and kept (DEC_JSON).
 */
export function encodeRecord(record: UsageRecord): string {
  const { unitCost, cost, currency, reference, source } = record;
  return `{"vendor":${JSON.stringify(record.vendor)},"accountId":${JSON.stringify(record.accountId)},"vendorSku":${JSON.stringify(record.vendorSku)}`
    + `,"quantity":${decJson(record.quantity)},"usageDate":${JSON.stringify(record.usageDate)},"period":${JSON.stringify(record.period)}`
    + (unitCost === undefined ? '' : `,"unitCost":${decJson(unitCost)}`)
    + (cost === undefined ? '' : `,"cost":${decJson(cost)}`)
    + (currency === undefined ? '' : `,"currency":${JSON.stringify(currency)}`)
    + (reference === undefined ? '' : `,"reference":${JSON.stringify(reference)}`)
    + `,"source":{"file":${JSON.stringify(source.file)},"line":${JSON.stringify(source.line)}}}`;
}

/** JSON text of a Dec instance (its toJSON, quoted), kept per instance while it lives. */
const DEC_JSON = new WeakMap<Dec, string>();

function decJson(value: Dec): string {
  let text = DEC_JSON.get(value);
  if (text === undefined) DEC_JSON.set(value, (text = JSON.stringify(value)));
  return text;
}

export function decodeRecord(line: string): UsageRecord {
  const raw = JSON.parse(line) as Record<string, unknown> & UsageRecord;
  return {
    ...raw,
    quantity: new Dec(String(raw.quantity)),
    unitCost: raw.unitCost === undefined ? undefined : new Dec(String(raw.unitCost)),
    cost: raw.cost === undefined ? undefined : new Dec(String(raw.cost)),
  };
}

/** Streams every normalized record of a period, sealed part by part in key order (file, then part). */
export async function* readPeriodRecords(artifacts: BlobStore, period: Period): AsyncGenerator<UsageRecord> {
  const prefix = `normalized/${period}/`;
  const keys = await artifacts.list(prefix);
  const seals = await sealsOf(artifacts, period, keys);
  for (const { key } of readableParts(keys, prefix, seals, (seal) => seal.records)) {
    let rest = '';
    const decoder = new TextDecoder();
    for await (const chunk of await artifacts.stream(key)) {
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) yield decodeRecord(line);
    }
    rest += decoder.decode();
    if (rest) yield decodeRecord(rest);
  }
}

/** Room a part buffer keeps beyond the part size, so that it rarely grows near the end. */
const SLACK = 64 * 1024;
const LF = 0x0a;

/**
 * The UTF-8 bytes of the part being filled. Lines go straight into bytes (off the JS heap), so
 * a line's string dies young instead of being held, and promoted, until its part is written.
 */
class PartBuffer {
  private bytes = Buffer.allocUnsafe(0);
  private used = 0;
  /** The capacity to start the next part with: the last part's. */
  private capacity = 0;
  /** Parts written so far: the number of the next. */
  parts = 0;

  get length(): number {
    return this.used;
  }

  /** Appends `text` (and `\0second` when given) and a line feed; true once the part holds `size` bytes. */
  append(size: number, text: string, second?: string): boolean {
    const needed = this.used + 3 * (text.length + (second === undefined ? 0 : second.length + 1)) + 1;
    if (needed > this.bytes.length) this.grow(needed, size);
    this.used += this.bytes.write(text, this.used);
    if (second !== undefined) {
      this.bytes[this.used++] = 0;
      this.used += this.bytes.write(second, this.used);
    }
    this.bytes[this.used++] = LF;
    return this.used >= size;
  }

  /** The part's bytes, handed over: the next part is filled in a new buffer. */
  take(): Uint8Array {
    const body = this.bytes.subarray(0, this.used);
    this.capacity = this.bytes.length;
    this.bytes = Buffer.allocUnsafe(0);
    this.used = 0;
    return body;
  }

  /** Doubles from 64 KiB (or starts at the last part's capacity), never much past the part size. */
  private grow(needed: number, size: number): void {
    const capacity = Math.max(needed, this.capacity, Math.min(Math.max(2 * this.bytes.length, SLACK), size + SLACK));
    const bytes = Buffer.allocUnsafe(capacity);
    this.bytes.copy(bytes, 0, 0, this.used);
    this.bytes = bytes;
  }
}

/** The records and the references of one period not yet written. */
interface PeriodParts {
  readonly period: Period;
  readonly records: PartBuffer;
  readonly refs: PartBuffer;
}

/**
 * Writes one file's normalized records and references as they arrive, a part whenever a
 * period's records (or references) reach `partSize` bytes, the rest at `finish`. Memory: a
 * buffer of records and one of references per period the file has met, and the part being
 * written (the next part waits for it, so writing overlaps reading without piling up).
 */
export class UsageRecordWriter {
  private readonly periods = new Map<Period, PeriodParts>();
  private writing: Promise<void> = Promise.resolve();

  /**
   * `sha256` undefined: the file's hash is not known yet (it is read while it is hashed). The
   * records are then kept until `finish(sha256)`, one part per period at most: a record that
   * fills a part throws PartsOutgrown.
   */
  constructor(private readonly artifacts: BlobStore, private sha256: string | undefined, private readonly partSize = PART_SIZE) {}

  /** A UsageSink: synchronous unless a part is written. */
  add(record: UsageRecord): Promise<void> | void {
    let parts = this.periods.get(record.period);
    if (parts === undefined) this.periods.set(record.period, (parts = { period: record.period, records: new PartBuffer(), refs: new PartBuffer() }));
    const full = parts.records.append(this.partSize, encodeRecord(record));
    const refsFull = record.reference ? parts.refs.append(this.partSize, record.vendor, record.reference) : false;
    if (full || refsFull) {
      if (this.sha256 === undefined) throw new PartsOutgrown();
      return this.flush(parts, this.partSize);
    }
  }

  /**
   * Writes what is left of every period, waits for every part, then seals each period's parts.
   * `sha256`: the file's, for a writer made before it was known.
   */
  async finish(sha256?: string): Promise<void> {
    this.sha256 ??= sha256;
    for (const parts of this.periods.values()) await this.flush(parts, 1);
    await this.writing;
    for (const { period, records, refs } of this.periods.values()) {
      const seal: Seal = { records: records.parts, refs: refs.parts };
      await this.artifacts.put(sealKey(period, this.fileSha256()), JSON.stringify(seal), 'application/json');
    }
  }

  /** Writes the records and the references of a period that reached `atLeast` bytes. */
  private async flush(parts: PeriodParts, atLeast: number): Promise<void> {
    if (parts.records.length >= atLeast) {
      await this.write(normalizedKey(parts.period, this.fileSha256(), parts.records.parts++), parts.records.take(), 'application/x-ndjson');
    }
    if (parts.refs.length >= atLeast) {
      await this.write(referencesKey(parts.period, this.fileSha256(), parts.refs.parts++), parts.refs.take(), 'text/plain');
    }
  }

  private fileSha256(): string {
    if (this.sha256 === undefined) throw new Error('UsageRecordWriter: the file\'s sha256 is not known yet');
    return this.sha256;
  }

  /** Starts one PUT once the previous one is done: at most one part in flight. */
  private async write(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.writing;
    this.writing = this.artifacts.put(key, body, contentType);
    // A failure is thrown by the next write or by finish; until then it is not unhandled.
    this.writing.catch(() => undefined);
  }
}

/** A writer that does not know its file's sha256 yet met more records than one part holds. */
export class PartsOutgrown extends Error {
  constructor() {
    super('The records outgrew one part before the file\'s sha256 was known');
  }
}

/**
 * The duplicate-row check of one file (`ReadOptions.isDuplicate`): an exact ReferenceSet of
 * (vendor, period, reference), filled with a period's stored references when the file first
 * meets that period (the file's own, from an earlier attempt, left out). Synchronous for a
 * period already loaded; a promise only for the row that loads one.
 */
export class StoredReferences {
  private readonly seen = new ReferenceSet();
  private readonly loaded = new Map<string, Promise<void> | true>();
  /** The files whose stored references were loaded. */
  readonly files = new Set<string>();
  /** What a check made before the file's sha256 was known read, by period, for `again`. */
  private readonly read = new Map<string, readonly StoredReferencePart[]>();

  /**
   * `exceptSha256` undefined: the file's sha256 is not known yet and no file is left out; the
   * parts read are kept so that `again` need not read them a second time.
   */
  constructor(
    private readonly artifacts: BlobStore,
    private readonly exceptSha256: string | undefined,
    private readonly preread?: ReadonlyMap<string, readonly StoredReferencePart[]>,
  ) {}

  /**
   * A fresh check for reading the file again once its sha256 is known: the parts this one read
   * are used again (those of the file itself, from an earlier attempt, left out); other periods
   * are read when met.
   */
  again(sha256: string): StoredReferences {
    return new StoredReferences(this.artifacts, sha256, this.read);
  }

  readonly isDuplicate = (key: DuplicateKey): boolean | Promise<boolean> => {
    const loaded = this.loaded.get(key.period);
    if (loaded === true) return this.seen.seen(key);
    return (loaded ?? this.load(key.period)).then(() => this.seen.seen(key));
  };

  private load(period: string): Promise<void> {
    const loading = this.partsOf(period).then((parts) => {
      for (const part of parts) {
        if (part.sha256 === this.exceptSha256) continue;
        this.files.add(part.sha256);
        addReferences(this.seen, period, part.text);
      }
      this.loaded.set(period, true);
    });
    this.loaded.set(period, loading);
    loading.catch(() => this.loaded.delete(period));
    return loading;
  }

  private async partsOf(period: string): Promise<readonly StoredReferencePart[]> {
    const parts = this.preread?.get(period) ?? await readReferenceParts(this.artifacts, period, this.exceptSha256);
    if (this.exceptSha256 === undefined) this.read.set(period, parts);
    return parts;
  }
}

/** One stored part of a period's references: its file and its text. */
interface StoredReferencePart {
  readonly sha256: string;
  readonly text: string;
}

/** The sealed reference parts of one period, except those of one file (any of its parts). */
async function readReferenceParts(artifacts: BlobStore, period: string, exceptSha256: string | undefined): Promise<StoredReferencePart[]> {
  const prefix = `refs/${period}/`;
  const seals = await sealsOf(artifacts, period);
  const parts: StoredReferencePart[] = [];
  for (const { key, sha256 } of readableParts(await artifacts.list(prefix), prefix, seals, (seal) => seal.refs)) {
    if (sha256 === exceptSha256) continue;
    const bytes = await artifacts.get(key);
    if (bytes === undefined) continue; // deleted since the listing
    parts.push({ sha256, text: new TextDecoder().decode(bytes) });
  }
  return parts;
}

function addReferences(into: ReferenceSet, period: string, text: string): void {
  for (const line of text.split('\n')) {
    const at = line.indexOf('\u0000');
    if (at >= 0) into.seen({ vendor: line.slice(0, at), period, reference: line.slice(at + 1) });
  }
}
