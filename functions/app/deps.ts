/** What every use case is given: the ports, wired to AWS or to the embedded stand-in. */
import type { AccountingSystem } from './books-ports.js';
import type { DiscrepancyMessage, WorkMessage } from './messages.js';
import type { BlobStore, Ledger, Mailer, OpenPartWriter, PaymentProvider, Queue } from './ports.js';

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
  /** The payment provider and the payments endpoint; absent where none is wired (no secret on AWS). */
  readonly payments?: PaymentsWiring;
  /** The accounting system the publisher pushes to; absent where none is wired (only the publish job and CLI wire it). */
  readonly books?: BooksWiring;
  /** The client portal's links; absent where the portal is not deployed (used only with `portal` in trueup.json). */
  readonly portal?: PortalWiring;
}

/** Where the client portal is served and the key its links are signed with (docs/portal.md). */
export interface PortalWiring {
  /** Base URL the portal is served under (CloudFront on AWS, the local web server here); links are `<baseUrl>/portal/…`. */
  readonly baseUrl: string | undefined;
  /** The key portal links are signed with (Secrets Manager on AWS). */
  linkKey(): Promise<string>;
}

/** What publishing to the books is wired to; used only when `accounting.publish` is set in trueup.json. */
export interface BooksWiring {
  /** QuickBooks Online or Xero behind its adapter (on AWS, from the secret; locally, its stand-in). */
  readonly system: AccountingSystem;
}

/** What getting paid online is wired to; used only when `payments` is set in trueup.json. */
export interface PaymentsWiring {
  readonly provider: PaymentProvider;
  /** Base URL of the payments endpoint (the Function URL on AWS, the local endpoint server here). */
  readonly endpointUrl: string | undefined;
  /** The key Pay links are signed with (Secrets Manager on AWS). */
  linkKey(): Promise<string>;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined };

/**
 * What one use case is given: the ledger ports `L` it uses and the other ports `K` of `Deps`.
 * The wiring still passes the whole `Deps` (its ledger implements every port); a test passes
 * only these, and a use case that calls another adds the callee's deps to its own
 * (`SendDeps & UseCaseDeps<InvoiceBook, 'artifacts'>`).
 */
export type UseCaseDeps<L, K extends Exclude<keyof Deps, 'ledger'> = never> = Pick<Deps, K> & { readonly ledger: L };
