/**
 * Normalized usage at rest, in the artifacts bucket (the keys are spelled in bucket-layout.ts):
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
import type { UsageRecord } from '../domain/billing-types.js';
import type { DuplicateKey } from '../ingest/reader-types.js';
import { ReferenceSet } from '../ingest/reference-set.js';
import {
  normalizedKey,
  normalizedPrefix,
  parsePartKey,
  readSeal,
  referencesKey,
  referencesPrefix,
  sealedFileOf,
  writeSeal,
  type Seal,
} from './bucket-layout.js';
import type { BlobStore, PartedObject, PartWriter } from './ports.js';

/**
 * How large a part grows before it is written: 4 MiB of UTF-8, plus the line that passes it
 * (well under the embedded S3's 11 MiB body limit).
 */
export const PART_SIZE = 4 * 1024 * 1024;

/** The parts of `keys` (a listing of `prefix`) that are data to read: sealed parts below their seal's count. */
function readableParts(
  keys: readonly string[],
  prefix: string,
  seals: ReadonlyMap<string, Seal>,
  count: (seal: Seal) => number,
): StoredPart[] {
  const parts: StoredPart[] = [];
  for (const key of keys) {
    const parsed = parsePartKey(key, prefix);
    if (!parsed) continue;
    const seal = seals.get(parsed.sha256);
    if (seal !== undefined && parsed.part < count(seal)) parts.push({ key, ...parsed });
  }
  return parts;
}

/** One object of a period's listing: the file it belongs to, and its part number. */
interface StoredPart {
  readonly key: string;
  readonly sha256: string;
  readonly part: number;
}

/** The seals of a period, by file. `keys`: the listing of `normalized/<period>/`, when already at hand. */
async function sealsOf(artifacts: BlobStore, period: Period, keys?: readonly string[]): Promise<Map<string, Seal>> {
  const seals = new Map<string, Seal>();
  for (const key of keys ?? (await artifacts.list(normalizedPrefix(period)))) {
    const sha256 = sealedFileOf(key, period);
    if (sha256 === undefined) continue;
    const seal = await readSeal(artifacts, key);
    if (seal !== undefined) seals.set(sha256, seal);
  }
  return seals;
}

/**
 * One NDJSON line: what JSON.stringify gives for the record, with its fields in the order of
 * the UsageRecord type. Written by hand because JSON.stringify turned each Dec into text through
 * its toJSON on every row (about 3 s per 1,000,000 rows); the readers share one Dec per literal,
 * so each instance's JSON text is computed once and kept (DEC_JSON).
 */
export function encodeRecord(record: UsageRecord): string {
  const { unitCost, cost, currency, reference, source } = record;
  return (
    `{"vendor":${JSON.stringify(record.vendor)},"accountId":${JSON.stringify(record.accountId)},"vendorSku":${JSON.stringify(record.vendorSku)}` +
    `,"quantity":${decJson(record.quantity)},"usageDate":${JSON.stringify(record.usageDate)},"period":${JSON.stringify(record.period)}` +
    (unitCost === undefined ? '' : `,"unitCost":${decJson(unitCost)}`) +
    (cost === undefined ? '' : `,"cost":${decJson(cost)}`) +
    (currency === undefined ? '' : `,"currency":${JSON.stringify(currency)}`) +
    (reference === undefined ? '' : `,"reference":${JSON.stringify(reference)}`) +
    `,"source":{"file":${JSON.stringify(source.file)},"line":${JSON.stringify(source.line)}}}`
  );
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
  const prefix = normalizedPrefix(period);
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

/** The records and the references of one period, each an object written in parts. */
interface PeriodParts {
  readonly records: PartedObject;
  readonly refs: PartedObject;
}

/**
 * Writes one file's normalized records and references as they arrive, through a PartWriter: a
 * part whenever a period's records (or references) reach the part size, the rest at `finish`,
 * then the seal of each period. Memory: the part being filled of each object (a period's
 * records, its references) and the part being written.
 */
export class UsageRecordWriter {
  private readonly periods = new Map<Period, PeriodParts>();

  /**
   * `sha256` undefined: the file's hash is not known yet (it is read while it is hashed). The
   * records are then kept until `finish(sha256)`, one part per period at most: a record that
   * fills a part throws PartsOutgrown (the part's key needs the sha256).
   */
  constructor(
    private readonly artifacts: BlobStore,
    private readonly parts: PartWriter,
    private sha256: string | undefined,
  ) {}

  /** A UsageSink: synchronous unless a part is written. */
  add(record: UsageRecord): Promise<void> | void {
    let parts = this.periods.get(record.period);
    if (parts === undefined) this.periods.set(record.period, (parts = this.open(record.period)));
    const full = parts.records.append(encodeRecord(record));
    const refsFull = record.reference ? parts.refs.append(record.vendor, record.reference) : undefined;
    if (full || refsFull) return Promise.all([full, refsFull]).then(() => undefined);
  }

  /**
   * Writes what is left of every period, waits for every part, then seals each period's parts.
   * `sha256`: the file's, for a writer made before it was known.
   */
  async finish(sha256?: string): Promise<void> {
    this.sha256 ??= sha256;
    const fileSha256 = this.fileSha256();
    for (const { records, refs } of this.periods.values()) {
      await records.end();
      await refs.end();
    }
    await this.parts.settled();
    for (const [period, { records, refs }] of this.periods) {
      await writeSeal(this.artifacts, period, fileSha256, { records: records.parts, refs: refs.parts });
    }
  }

  /**
   * The parts' keys are asked for when a part is handed over: before the sha256 is known that
   * throws PartsOutgrown, out of `add`, and the caller reads the file again once it is claimed.
   */
  private open(period: Period): PeriodParts {
    return {
      records: this.parts.open((part) => normalizedKey(period, this.fileSha256(), part), 'application/x-ndjson'),
      refs: this.parts.open((part) => referencesKey(period, this.fileSha256(), part), 'text/plain'),
    };
  }

  private fileSha256(): string {
    if (this.sha256 === undefined) throw new PartsOutgrown();
    return this.sha256;
  }
}

/** A writer that does not know its file's sha256 yet met more records than one part holds. */
export class PartsOutgrown extends Error {
  constructor() {
    super("The records outgrew one part before the file's sha256 was known");
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
    const parts = this.preread?.get(period) ?? (await readReferenceParts(this.artifacts, period, this.exceptSha256));
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
async function readReferenceParts(
  artifacts: BlobStore,
  period: string,
  exceptSha256: string | undefined,
): Promise<StoredReferencePart[]> {
  const prefix = referencesPrefix(period);
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
