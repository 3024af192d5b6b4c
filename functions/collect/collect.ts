/**
 * The collector: pulls each configured source into the usage bucket's inbox.
 *
 * Per remote item: skip when pulled before → claim it (conditional write) → fetch → land it in
 * `inbox/<source>/<file>` with provenance metadata → ingest (on the embedded runtime; in AWS
 * the S3 event does it) → mark it pulled. A failure gives the claim back, so the next attempt
 * or run fetches it again; a landed file that is fetched again has the same bytes, which the
 * ingest recognises by sha256. A failing source is retried with exponential backoff, then
 * reported as a failure record (logged, stored as the source's status, returned), and never
 * stops the other sources.
 */
import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { inboxKey as inboxObjectKey } from '../app/bucket-layout.js';
import type { Logger } from '../app/deps.js';
import type { CollectorState, FailureRecord, PulledItem } from './collector-state.js';
import type { CredentialResolver } from './credentials.js';
import { CredentialError, isRetryable } from './errors.js';
import { readCa, type HttpOptions } from './http.js';
import type { Inbox } from './inbox.js';
import type { SourceConfig, SourcesConfig, SourceType } from './sources-config.js';
import type { Driver, DriverContext } from './drivers/driver.js';
import { httpsDriver } from './drivers/https.js';
import { partnerCenterDriver } from './drivers/partner-center.js';
import { pax8Driver } from './drivers/pax8.js';
import { s3Driver } from './drivers/s3.js';
import { sftpDriver } from './drivers/sftp.js';

export interface CollectorDeps {
  readonly state: CollectorState;
  readonly inbox: Inbox;
  readonly credentials: CredentialResolver;
  readonly log: Logger;
  /** Ingests a landed inbox key now (embedded runtime, CLI). Absent in AWS: the S3 event does it. */
  readonly ingest?: (key: string) => Promise<void>;
  /** Relative `caFile` and credential `file` paths resolve from here (the data folder). */
  readonly baseDir?: string;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly s3Client?: (config: S3ClientConfig) => S3Client;
  readonly http?: HttpOptions;
}

export interface RetryPolicy {
  /** Attempts per run, the first included (default 3). */
  readonly attempts?: number;
  /** Delay before the 2nd attempt; doubles each time (default 2000 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export type PullResult =
  | {
      readonly source: string;
      readonly ok: true;
      readonly files: readonly PulledItem[];
      readonly skipped: number;
      readonly attempts: number;
    }
  | {
      readonly source: string;
      readonly ok: false;
      readonly files: readonly PulledItem[];
      readonly skipped: number;
      readonly attempts: number;
      readonly failure: FailureRecord;
    };

const DRIVERS: { [T in SourceType]: Driver<T> } = {
  https: httpsDriver,
  sftp: sftpDriver,
  s3: s3Driver,
  pax8: pax8Driver,
  'partner-center': partnerCenterDriver,
};

/** A claim left by a crashed run is taken over after this long. */
export const CLAIM_LEASE_MS = 20 * 60 * 1000;

export function inboxKey(source: string, fileName: string): string {
  const safe = fileName
    .split('/')
    .map((part) => part.replace(/[^A-Za-z0-9._ ()+=@-]/g, '_').replace(/^\.+$/, '_'))
    .filter((p) => p !== '')
    .join('/');
  return inboxObjectKey(`${source}/${safe || 'file'}`);
}

async function context(deps: CollectorDeps, source: SourceConfig): Promise<DriverContext> {
  const ca = 'caFile' in source ? await readCa(source.caFile, deps.baseDir) : undefined;
  return {
    source,
    secret: async () => {
      if (!source.credential) throw new CredentialError(`source "${source.name}" has no credential`);
      return deps.credentials.resolve(source.credential);
    },
    state: deps.state,
    http: { ...deps.http, ...(ca ? { ca } : {}) },
    now: deps.now ?? (() => new Date()),
    sleep: deps.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms))),
    log: deps.log,
    s3Client: deps.s3Client ?? ((config) => new S3Client(config)),
  };
}

/** Checks a source's connection and credential; lands nothing. Throws with a clear message. */
export async function testSource(deps: CollectorDeps, source: SourceConfig): Promise<string> {
  const ctx = await context(deps, source);
  return (DRIVERS[source.type] as Driver).test(ctx);
}

async function pullOnce(deps: CollectorDeps, ctx: DriverContext, landed: PulledItem[]): Promise<number> {
  const source = ctx.source;
  let skipped = 0;
  for await (const file of (DRIVERS[source.type] as Driver).list(ctx)) {
    if (await deps.state.isPulled(source.name, file.remoteId)) {
      skipped += 1;
      continue;
    }
    if (!(await deps.state.claim(source.name, file.remoteId, ctx.now(), CLAIM_LEASE_MS))) {
      skipped += 1; // pulled meanwhile, or another run holds it
      continue;
    }
    try {
      const body = await file.fetch();
      const sha256 = createHash('sha256').update(body).digest('hex');
      const key = inboxKey(source.name, file.fileName);
      const fetchedAt = ctx.now().toISOString();
      await deps.inbox.put(key, body, {
        source: source.name,
        remoteName: file.remoteName,
        fetchedAt,
        remoteEtag: file.remoteEtag,
        sha256,
      });
      if (deps.ingest) await deps.ingest(key);
      const item: PulledItem = {
        source: source.name,
        remoteId: file.remoteId,
        remoteName: file.remoteName,
        inboxKey: key,
        fetchedAt,
        sha256,
        bytes: body.byteLength,
        ...(file.remoteEtag ? { remoteEtag: file.remoteEtag } : {}),
      };
      await deps.state.complete(item);
      await file.landed?.();
      landed.push(item);
      deps.log.info('pulled file', { source: source.name, remote: file.remoteName, key, bytes: body.byteLength });
    } catch (error) {
      await deps.state.release(source.name, file.remoteId).catch(() => undefined);
      throw error;
    }
  }
  return skipped;
}

/** Pulls one source with retries; never throws for the source's own failures. */
export async function pullSource(
  deps: CollectorDeps,
  source: SourceConfig,
  retry: RetryPolicy = {},
): Promise<PullResult> {
  const attempts = Math.max(1, retry.attempts ?? 3);
  const baseDelay = retry.baseDelayMs ?? 2000;
  const maxDelay = retry.maxDelayMs ?? 60_000;
  const landed: PulledItem[] = [];
  let skipped = 0;
  let lastError: unknown;
  let attempt = 0;
  const now = deps.now ?? (() => new Date());
  const previous = await deps.state.getStatus(source.name).catch(() => undefined);
  let ctx: DriverContext | undefined;
  while (attempt < attempts) {
    attempt += 1;
    try {
      ctx ??= await context(deps, source);
      skipped = await pullOnce(deps, ctx, landed);
      const at = now().toISOString();
      await deps.state.putStatus(source.name, {
        lastRunAt: at,
        lastSuccessAt: at,
        consecutiveFailures: 0,
        lastFiles: landed.length,
      });
      deps.log.info('source pulled', { source: source.name, files: landed.length, skipped, attempts: attempt });
      return { source: source.name, ok: true, files: landed, skipped, attempts: attempt };
    } catch (error) {
      lastError = error;
      if (!isRetryable(error) || attempt >= attempts) break;
      const delay = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
      deps.log.warn('source pull failed; retrying', {
        source: source.name,
        attempt,
        delayMs: delay,
        error: message(error),
      });
      await (deps.sleep ?? ((ms: number) => new Promise((done) => setTimeout(done, ms))))(delay);
    }
  }
  const failure: FailureRecord = {
    source: source.name,
    type: source.type,
    at: now().toISOString(),
    attempts: attempt,
    retryable: isRetryable(lastError),
    error: message(lastError),
  };
  deps.log.warn('source pull failed', { ...failure, alert: true });
  await deps.state
    .putStatus(source.name, {
      lastRunAt: failure.at,
      lastSuccessAt: previous?.lastSuccessAt,
      consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
      lastFailure: failure,
      lastFiles: landed.length,
    })
    .catch(() => undefined);
  return { source: source.name, ok: false, files: landed, skipped, attempts: attempt, failure };
}

/** Pulls the named sources (default: every enabled one) side by side; one failing source does not stop the others. */
export async function pullSources(
  deps: CollectorDeps,
  config: SourcesConfig,
  options: { names?: readonly string[]; retry?: RetryPolicy } = {},
): Promise<PullResult[]> {
  const chosen = options.names
    ? config.sources.filter((s) => options.names!.includes(s.name))
    : config.sources.filter((s) => s.enabled !== false);
  return Promise.all(chosen.map((source) => pullSource(deps, source, options.retry)));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
