/**
 * Normalized usage at rest: one NDJSON object per record under
 * `normalized/<period>/<sha256>.ndjson` in the artifacts bucket, and the (vendor, reference)
 * keys of each file under `refs/<period>/<sha256>.txt` for duplicate-row detection.
 */
import { Dec } from '../domain/money.js';
import type { Period } from '../domain/dates.js';
import type { UsageRecord } from '../domain/types.js';
import type { BlobStore } from './ports.js';

export function normalizedKey(period: Period, sha256: string): string {
  return `normalized/${period}/${sha256}.ndjson`;
}

export function referencesKey(period: Period, sha256: string): string {
  return `refs/${period}/${sha256}.txt`;
}

export function encodeRecord(record: UsageRecord): string {
  return JSON.stringify(record);
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

/** Streams every normalized record of a period, file by file in key order. */
export async function* readPeriodRecords(artifacts: BlobStore, period: Period): AsyncGenerator<UsageRecord> {
  for (const key of await artifacts.list(`normalized/${period}/`)) {
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

/** The (vendor, reference) keys already seen per period, except those of one file. */
export async function loadSeenReferences(artifacts: BlobStore, exceptSha256: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const key of await artifacts.list('refs/')) {
    if (key.endsWith(`/${exceptSha256}.txt`)) continue;
    const period = key.split('/')[1] ?? '';
    const bytes = await artifacts.get(key);
    for (const line of new TextDecoder().decode(bytes).split('\n')) if (line) seen.add(`${period}\u0000${line}`);
  }
  return seen;
}
