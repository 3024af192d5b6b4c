/**
 * What the collector remembers, per source: every remote item it pulled (so nothing is pulled
 * twice), a cursor (an https source's ETag / Last-Modified) and the outcome of the last run.
 */
import type { SourcesConfig } from './sources-config.js';

export interface PulledItem {
  readonly source: string;
  /** The item's identity at the source: a path, an object key, `invoice:<id>`, `etag:<…>`. */
  readonly remoteId: string;
  readonly remoteName: string;
  /** Where it landed in the usage bucket. */
  readonly inboxKey: string;
  readonly fetchedAt: string;
  readonly remoteEtag?: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface FailureRecord {
  readonly source: string;
  readonly type: string;
  readonly at: string;
  readonly attempts: number;
  readonly retryable: boolean;
  readonly error: string;
}

export interface SourceStatus {
  readonly lastRunAt?: string;
  readonly lastSuccessAt?: string;
  readonly consecutiveFailures: number;
  readonly lastFailure?: FailureRecord;
  readonly lastFiles?: number;
}

export interface CollectorState {
  isPulled(source: string, remoteId: string): Promise<boolean>;
  /**
   * Claims a remote item before fetching it. False when it was pulled before, or when another
   * run holds an unexpired claim; a claim left by a crashed run expires after `leaseMs`.
   */
  claim(source: string, remoteId: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Marks a claimed item pulled, with its provenance. */
  complete(item: PulledItem): Promise<void>;
  /** Gives a claim back after a failure, so the next run fetches the item again. */
  release(source: string, remoteId: string): Promise<void>;
  listPulled(source: string): Promise<PulledItem[]>;

  getCursor(source: string): Promise<Readonly<Record<string, string>>>;
  putCursor(source: string, cursor: Readonly<Record<string, string>>): Promise<void>;

  getStatus(source: string): Promise<SourceStatus | undefined>;
  putStatus(source: string, status: SourceStatus): Promise<void>;

  /**
   * sources.json as imported for the collector Lambda (AWS reads no data folder). Its expected
   * feeds are kept beside it as plain rules, which the ledger hands to the billing run.
   */
  saveConfig(config: SourcesConfig): Promise<void>;
  loadConfig(): Promise<unknown>;
}
