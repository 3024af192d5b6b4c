/** What each source type implements: list the remote items, fetch one, and a connection test. */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Logger } from '../../app/deps.js';
import type { CollectorState } from '../collector-state.js';
import type { HttpOptions } from '../http.js';
import type { SourceOf, SourceType } from '../sources-config.js';

export interface RemoteFile {
  /** Identity at the source; a pulled id is never pulled again. */
  readonly remoteId: string;
  /** Human-readable origin (remote path, object key, invoice id, URL without query). */
  readonly remoteName: string;
  /** Name under `inbox/<source>/` (may contain "/" for an s3 source's sub-folders). */
  readonly fileName: string;
  readonly remoteEtag?: string;
  /** The file's bytes; called only once the item is claimed. */
  fetch(): Promise<Uint8Array>;
  /** After the file landed (an https source stores its validators). */
  landed?(): Promise<void>;
}

export interface DriverContext<T extends SourceType = SourceType> {
  readonly source: SourceOf<T>;
  /** The resolved credential text (throws CredentialError when absent or unreadable). */
  secret(): Promise<string>;
  readonly state: CollectorState;
  /** HTTP settings, with the source's `caFile` already read. */
  readonly http: HttpOptions;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: Logger;
  readonly s3Client: (config: S3ClientConfig) => S3Client;
}

export interface Driver<T extends SourceType = SourceType> {
  /** Checks the connection and the credential without landing anything; says what it saw. */
  test(ctx: DriverContext<T>): Promise<string>;
  list(ctx: DriverContext<T>): AsyncIterable<RemoteFile>;
}

/** Minimal RFC 4180 field: quoted only when needed (machine CSV for our own ingest). */
export function csvField(value: unknown): string {
  const s =
    value === null || value === undefined
      ? ''
      : typeof value === 'number'
        ? plainNumber(value)
        : typeof value === 'string'
          ? value
          : JSON.stringify(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A JSON number as a plain decimal (never exponent notation, which the ingest refuses). */
export function plainNumber(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/** CSV text from objects: the given columns first, then every other key in first-seen order. */
export function toCsv(rows: readonly Record<string, unknown>[], first: readonly string[] = []): string {
  const columns = [...first];
  const known = new Set(columns);
  for (const row of rows)
    for (const key of Object.keys(row))
      if (!known.has(key) && !key.startsWith('@')) {
        known.add(key);
        columns.push(key);
      }
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}
