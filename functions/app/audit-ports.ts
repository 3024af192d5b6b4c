/**
 * The audit log (docs/console.md): who did what through the CLI, the console, the portal or a
 * job. One entry per action, recorded after the use case succeeded; a retried action records
 * at most one entry, because each entry is stored once by its key (given by the caller, else
 * derived from its content).
 */
import { createHash } from 'node:crypto';

export type AuditChannel = 'cli' | 'console' | 'portal' | 'job';

export interface AuditActor {
  /** The OS user (CLI), the signed-in user (console), the client id (portal) or the job name. */
  readonly id: string;
  readonly via: AuditChannel;
}

export interface AuditEntry {
  /** When the action was done: an ISO timestamp (`2026-03-02T10:15:00.000Z`). */
  readonly at: string;
  readonly actor: AuditActor;
  /** What was done, `<area>.<verb>`: `drafts.approve`, `discrepancy.resolve`, `usage.upload`, … */
  readonly action: string;
  /** What it was done to: an invoice number, a discrepancy id, a file name. */
  readonly subject: string;
  readonly detail?: string;
  /**
   * What makes two records the same action (a retry): entries with the same key are stored
   * once. Absent: the entry's content without `at` (same actor, action, subject and detail on
   * the same day).
   */
  readonly key?: string;
}

export interface AuditQuery {
  /** The first day or instant listed (an ISO date or timestamp, inclusive). */
  readonly from?: string;
  /** The last day or instant listed (inclusive: `2026-03-02` includes the whole day). */
  readonly to?: string;
  /** At most this many entries (the newest). */
  readonly limit?: number;
}

export interface AuditLog {
  /** Stores the entry once by its key; a second record with that key changes nothing. */
  recordAudit(entry: AuditEntry): Promise<void>;
  /** The entries in the range, newest first (by `at`, then key). */
  listAudit(options?: AuditQuery): Promise<AuditEntry[]>;
}

/** The entry's key: the caller's, or its content without the time but with its day. */
export function auditKey(entry: AuditEntry): string {
  return (
    entry.key ??
    JSON.stringify([entry.at.slice(0, 10), entry.actor.id, entry.actor.via, entry.action, entry.subject, entry.detail])
  );
}

/** The entry's sort key: its time, then a hash of its key (the same everywhere it is stored). */
export function auditSortKey(entry: AuditEntry): string {
  return `${entry.at}#${auditKeyHash(entry).slice(0, 16)}`;
}

/** The sha256 of the entry's key (hex): a key of any length as a short store key. */
export function auditKeyHash(entry: AuditEntry): string {
  return createHash('sha256').update(auditKey(entry)).digest('hex');
}

/** Whether `at` is inside the query's range (a bound given as a day covers the whole day). */
export function inAuditRange(at: string, query: AuditQuery): boolean {
  if (query.from !== undefined && at < query.from) return false;
  if (query.to !== undefined && at.slice(0, query.to.length) > query.to) return false;
  return true;
}

/** The month (`YYYY-MM`) an entry is filed under. */
export function auditMonth(at: string): string {
  return at.slice(0, 7);
}
