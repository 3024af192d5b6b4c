/** What every use case is given: the ports, wired to AWS or to the embedded stand-in. */
import type { DiscrepancyMessage, WorkMessage } from './messages.js';
import type { BlobStore, Ledger, Mailer, OpenPartWriter, Queue } from './ports.js';

export interface Logger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface Deps {
  readonly ledger: Ledger;
  /** Usage bucket: inbox/, archive/, rejected/ (every key: bucket-layout.ts). */
  readonly usage: BlobStore;
  /** Artifacts bucket: normalized/, refs/, reconciliation/, billing/, invoices/, reports/, emails/ (every key: bucket-layout.ts). */
  readonly artifacts: BlobStore;
  /** Writes line-based objects in parts (the ingest's normalized usage) into a store. */
  readonly openPartWriter: OpenPartWriter;
  /** Per-invoice delivery work (render, store, email). */
  readonly workQueue: Queue<WorkMessage>;
  readonly discrepancyQueue: Queue<DiscrepancyMessage>;
  readonly mailer: Mailer;
  readonly log: Logger;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined };

/**
 * What one use case is given: the ledger ports `L` it uses and the other ports `K` of `Deps`.
 * The wiring still passes the whole `Deps` (its ledger implements every port); a test passes
 * only these, and a use case that calls another adds the callee's deps to its own
 * (`SendDeps & UseCaseDeps<InvoiceBook, 'artifacts'>`).
 */
export type UseCaseDeps<L, K extends Exclude<keyof Deps, 'ledger'> = never> = Pick<Deps, K> & { readonly ledger: L };
