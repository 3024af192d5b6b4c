import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { UsageRecord } from '../../functions/domain/billing-types.js';
import { readUsageFile, type FileReadSummary } from '../../functions/ingest/read-usage-file.js';
import type { DuplicateKey } from '../../functions/ingest/reader-types.js';

/** The vendor samples and the conformance example, kept in test/fixtures so the suite runs anywhere. */
export const SHARED = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/ingest/', import.meta.url));

/**
 * fast-check options for the generated-file properties: shrinking a failing file of those models
 * can run for many minutes, so after 30 s (half the test timeout) fast-check stops and reports
 * the smallest counterexample found so far (a failure is never lost).
 */
export const SHRINK_BOUND = { interruptAfterTimeLimit: 30_000 } as const;

export async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** The caller-side duplicate set that the app keeps across files. */
export function referenceSet(): (key: DuplicateKey) => boolean {
  const seen = new Set<string>();
  return ({ vendor, period, reference }) => {
    const key = `${vendor}\u0000${period}\u0000${reference}`;
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  };
}

export interface ReadResult {
  readonly summary: FileReadSummary;
  readonly records: UsageRecord[];
}

export async function readBytes(
  name: string,
  bytes: Uint8Array,
  chunkSize = 65_536,
  isDuplicate = referenceSet(),
): Promise<ReadResult> {
  const records: UsageRecord[] = [];
  const summary = await readUsageFile(
    { name, chunks: chunksOf(bytes, chunkSize) },
    (record) => {
      records.push(record);
    },
    { isDuplicate },
  );
  return { summary, records };
}

export function readPath(
  path: string,
  chunkSize?: number,
  isDuplicate?: (key: DuplicateKey) => boolean,
): Promise<ReadResult> {
  return readBytes(path.split('/').pop() ?? path, readFileSync(path), chunkSize, isDuplicate);
}

export function counts(summary: FileReadSummary): [number, number, number, number] {
  return [summary.rowsRead, summary.rowsAccepted, summary.rowsRejected, summary.rowsDuplicate];
}
