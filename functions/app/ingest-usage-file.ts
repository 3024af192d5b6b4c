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
import { PART_SIZE, StoredReferences, UsageRecordWriter } from './usage-records.js';

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
export async function ingestUsageFile(deps: UseCaseDeps<UsageFileLog, 'usage' | 'artifacts' | 'openPartWriter' | 'log'>, input: { key: string; today: IsoDate; name?: string }, options: IngestOptions = {}): Promise<IngestResult> {
  const name = input.name ?? usageFileName(input.key);
  const { sha256, bytes } = await hashObject(deps, input.key);
  const claim = await deps.ledger.claimFile(sha256, name, input.key);
  if (!claim.claimed && claim.sameObject && claim.existing) {
    return { record: claim.existing, rejections: [] }; // a retry of a completed ingest
  }
  if (!claim.claimed) {
    const duplicate = await deps.ledger.recordDuplicateFile({
      sha256, name, key: input.key, bytes: 0, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, rowsDuplicate: 0,
      duplicateOf: claim.existing?.name ?? name, format: claim.existing?.format, ingestedOn: input.today,
    });
    deps.log.info('duplicate usage file', { name, duplicateOf: duplicate.duplicateOf });
    return { record: duplicate, rejections: [] };
  }
  await deps.usage.copy(input.key, archiveKey(sha256), bytes);
  const references = new StoredReferences(deps.artifacts, sha256);
  const writer = new UsageRecordWriter(deps.artifacts, deps.openPartWriter(deps.artifacts, options.partSize ?? PART_SIZE), sha256);
  const summary = await readUsageFile(
    { name, chunks: await deps.usage.stream(input.key) },
    (record: UsageRecord) => writer.add(record),
    { isDuplicate: references.isDuplicate },
  );
  await writer.finish();
  if (summary.rejections.length > 0 || summary.fileError) {
    await deps.usage.put(rejectedKey(sha256, name), rejectionsCsv(summary), 'text/csv');
  }
  const record = await deps.ledger.completeFile({
    sha256, name, key: input.key, format: summary.format, bytes: summary.bytes,
    rowsRead: summary.rowsRead, rowsAccepted: summary.rowsAccepted, rowsRejected: summary.rowsRejected, rowsDuplicate: summary.rowsDuplicate,
    fileError: summary.fileError, ingestedOn: input.today,
  });
  deps.log.info('usage file ingested', { name, format: summary.format, read: summary.rowsRead, accepted: summary.rowsAccepted, rejected: summary.rowsRejected, duplicate: summary.rowsDuplicate });
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

async function hashObject(deps: Pick<Deps, 'usage'>, key: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of await deps.usage.stream(key)) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function rejectionsCsv(summary: FileReadSummary): string {
  const rows = [['file', 'line', 'field', 'reason']];
  if (summary.fileError) rows.push([summary.name, '', '', summary.fileError]);
  for (const r of summary.rejections) rows.push([r.file, String(r.line), r.field ?? '', r.reason]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
