/**
 * Ingest one usage file from the inbox (docs/contract.md §3): archive the raw bytes under their
 * sha256, read and validate every row, store normalized records per period and a CSV of the
 * rejected rows, and record the file's figures. The same content twice is a duplicate file.
 * Safe to re-run: every object written is keyed by content, and the file record is last.
 *
 * Memory is bounded whatever the file size: the records are written as they are read, in parts
 * (usage-records.ts: UsageRecordWriter), and the duplicate-row check loads the stored
 * references of a period only when the file first meets it (StoredReferences).
 */
import { createHash } from 'node:crypto';
import type { IsoDate } from '../domain/dates.js';
import type { UsageRecord } from '../domain/billing-types.js';
import { readUsageFile, type FileReadSummary } from '../ingest/read-usage-file.js';
import { csvCell } from '../render/escape.js';
import { archiveKey, rejectedKey } from './bucket-layout.js';
import type { Deps, UseCaseDeps } from './deps.js';
import type { FileRecord, UsageFileLog } from './ports.js';
import { PART_SIZE, PartsOutgrown, StoredReferences, UsageRecordWriter } from './usage-records.js';

export interface IngestResult {
  readonly record: FileRecord;
  readonly rejections: FileReadSummary['rejections'];
}

export interface IngestOptions {
  /** How many bytes of a period's records (or references) make a part; PART_SIZE by default. */
  readonly partSize?: number;
}

/**
 * `name`: what the file is reported under; by default the last segment of the key. `trueup
 * simulate` gives the path under the data folder's `usage/` (`2025-01/x.csv`), so that two
 * files of one name in two subfolders stay apart in the reports.
 */
export async function ingestUsageFile(
  deps: UseCaseDeps<UsageFileLog, 'usage' | 'artifacts' | 'openPartWriter' | 'log'>,
  input: { key: string; today: IsoDate; name?: string },
  options: IngestOptions = {},
): Promise<IngestResult> {
  const name = input.name ?? usageFileName(input.key);
  const partSize = options.partSize ?? PART_SIZE;
  const first = await readWhileHashing(deps, input.key, name, partSize);
  const { sha256, bytes } = first;
  const claim = await deps.ledger.claimFile(sha256, name, input.key);
  if (!claim.claimed && claim.sameObject && claim.existing) {
    return { record: claim.existing, rejections: [] }; // a retry of a completed ingest
  }
  if (!claim.claimed) {
    const duplicate = await deps.ledger.recordDuplicateFile({
      sha256,
      name,
      key: input.key,
      bytes: 0,
      rowsRead: 0,
      rowsAccepted: 0,
      rowsRejected: 0,
      rowsDuplicate: 0,
      duplicateOf: claim.existing?.name ?? name,
      format: claim.existing?.format,
      ingestedOn: input.today,
    });
    deps.log.info('duplicate usage file', { name, duplicateOf: duplicate.duplicateOf });
    return { record: duplicate, rejections: [] };
  }
  await deps.usage.copy(input.key, archiveKey(sha256), bytes);
  let summary: FileReadSummary;
  if (first.read && !first.references.files.has(sha256)) {
    summary = first.read.summary;
    await first.read.writer.finish(sha256);
  } else {
    // A file larger than one part per period, or whose own references an earlier attempt
    // stored: read again, its parts keyed by its sha256 and its own references left out (the
    // stored references are not read again).
    const references = first.references.again(sha256);
    const writer = new UsageRecordWriter(deps.artifacts, deps.openPartWriter(deps.artifacts, partSize), sha256);
    summary = await readUsageFile(
      { name, chunks: await deps.usage.stream(input.key) },
      (record: UsageRecord) => writer.add(record),
      { isDuplicate: references.isDuplicate },
    );
    await writer.finish();
  }
  if (summary.rejections.length > 0 || summary.fileError) {
    await deps.usage.put(rejectedKey(sha256, name), rejectionsCsv(summary), 'text/csv');
  }
  const record = await deps.ledger.completeFile({
    sha256,
    name,
    key: input.key,
    format: summary.format,
    bytes: summary.bytes,
    rowsRead: summary.rowsRead,
    rowsAccepted: summary.rowsAccepted,
    rowsRejected: summary.rowsRejected,
    rowsDuplicate: summary.rowsDuplicate,
    fileError: summary.fileError,
    ingestedOn: input.today,
  });
  deps.log.info('usage file ingested', {
    name,
    format: summary.format,
    read: summary.rowsRead,
    accepted: summary.rowsAccepted,
    rejected: summary.rowsRejected,
    duplicate: summary.rowsDuplicate,
  });
  return { record, rejections: summary.rejections };
}

/**
 * The name a usage file is reported under: the last segment of its key (`inbox/a/b.csv` is
 * `b.csv`, `inbox/../x.csv` is `x.csv`), or the whole key when that is empty (`inbox/`, the
 * folder marker the S3 console creates).
 */
export function usageFileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1) || key;
}

interface FirstRead {
  readonly sha256: string;
  readonly bytes: number;
  /** The duplicate-row check of the pass, with the stored references it read. */
  readonly references: StoredReferences;
  /** The file read, its records held until it is claimed; absent when they outgrew one part per period. */
  readonly read?: { readonly summary: FileReadSummary; readonly writer: UsageRecordWriter };
}

/**
 * One pass over the object: hashes it and reads it at once, the records kept in memory (one
 * part per period at most, as the writer holds anyway) until the file is claimed under its
 * sha256. A file whose records outgrow that is only hashed past that point and read again
 * once claimed. Duplicate and retried files are read for nothing: they are rare, a second
 * pass over every file was not.
 */
async function readWhileHashing(
  deps: Pick<Deps, 'usage' | 'artifacts' | 'openPartWriter'>,
  key: string,
  name: string,
  partSize: number,
): Promise<FirstRead> {
  const hash = createHash('sha256');
  const source = new ResumableChunks(await deps.usage.stream(key));
  const references = new StoredReferences(deps.artifacts, undefined);
  const writer = new UsageRecordWriter(deps.artifacts, deps.openPartWriter(deps.artifacts, partSize), undefined);
  try {
    const summary = await readUsageFile({ name, chunks: source, hash }, (record: UsageRecord) => writer.add(record), {
      isDuplicate: references.isDuplicate,
    });
    // The reader hashes the whole file; a reader that left the end-of-stream unread sees nothing after it.
    await source.rest(() => {
      throw new Error(`The usage file ${key} was not read to its end`);
    });
    return { sha256: summary.sha256, bytes: source.bytes, references, read: { summary, writer } };
  } catch (error) {
    if (!(error instanceof PartsOutgrown)) {
      await source.close();
      throw error;
    }
    await source.rest((chunk) => hash.update(chunk));
    return { sha256: hash.digest('hex'), bytes: source.bytes, references };
  }
}

/**
 * An object's chunks, counted. A reader that stops early does not close the stream: the rest
 * is there for `rest` (to finish hashing it) or `close`.
 */
class ResumableChunks implements AsyncIterable<Uint8Array> {
  bytes = 0;
  private finished = false;
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.source = chunks[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.next(),
      return: () => Promise.resolve({ done: true, value: undefined }),
    };
  }

  async rest(each: (chunk: Uint8Array) => void): Promise<void> {
    if (this.finished) return;
    for (let next = await this.next(); !next.done; next = await this.next()) each(next.value);
  }

  async close(): Promise<void> {
    if (!this.finished) await this.source.return?.();
  }

  private async next(): Promise<IteratorResult<Uint8Array>> {
    const next = await this.source.next();
    if (next.done) this.finished = true;
    else this.bytes += next.value.length;
    return next;
  }
}

function rejectionsCsv(summary: FileReadSummary): string {
  const rows = [['file', 'line', 'field', 'reason']];
  if (summary.fileError) rows.push([summary.name, '', '', summary.fileError]);
  for (const r of summary.rejections) rows.push([r.file, String(r.line), r.field ?? '', r.reason]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
