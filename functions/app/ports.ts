/**
 * The ports the use cases talk to. AWS adapters implement them (functions/adapters/aws); the
 * embedded runtime uses the same adapters against the local stand-ins. Nothing here knows AWS.
 */
import type { ExpectedFeedRule } from '../domain/expected-feeds.js';
import type { IsoDate, Period } from '../domain/dates.js';
import type { Dec } from '../domain/money.js';
import type { Discrepancy } from '../domain/reconcile-period.js';
import type {
  Charge,
  ClientCredit,
  CreditNote,
  Invoice,
  InvoiceAccount,
  LateFee,
  Payment,
  PaymentMethodType,
  ReferenceData,
} from '../domain/billing-types.js';
import type { PlanEntry } from './bucket-layout.js';
import type { BooksLog } from './books-ports.js';
import type { AuditLog } from './audit-ports.js';

/** Object storage (S3): usage bucket and artifacts bucket. */
export interface BlobStore {
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** Writes an object from a stream of chunks (a local file of any size), in bounded memory. */
  putStream(key: string, chunks: AsyncIterable<Uint8Array>, contentType?: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  stream(key: string): Promise<AsyncIterable<Uint8Array>>;
  list(prefix: string): Promise<string[]>;
  /** `bytes`: the object's size when known; a very large object may be copied another way. */
  copy(fromKey: string, toKey: string, bytes?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * A queue (SQS) of one kind of message (messages.ts), sent as JSON; ids are for de-duplication
 * and tracing.
 */
export interface Queue<M> {
  send(messages: readonly { id: string; body: M }[]): Promise<void>;
}

/** Sends one raw MIME message (SES SendRawEmail) and returns the provider's message id. */
export interface Mailer {
  sendRaw(input: { from: string; to: readonly string[]; raw: Buffer }): Promise<string>;
}

/** What a usage file amounted to, as recorded in the ledger. */
export interface FileRecord {
  readonly sha256: string;
  readonly name: string;
  readonly format?: string;
  readonly bytes: number;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
  readonly rowsDuplicate: number;
  readonly duplicateOf?: string;
  readonly fileError?: string;
  readonly ingestedOn: IsoDate;
  /** The inbox object the file was ingested from. */
  readonly key?: string;
  /** The billing period whose report listed the file. */
  readonly reportedIn?: Period;
}

export type OutboxKind =
  | 'invoice'
  | 'dunning'
  | 'reconciliation_report'
  | 'aging_report'
  | 'file_rejected'
  | 'receipt'
  | 'credit_note'
  | 'drafts_awaiting_review'
  | 'auto_pay'
  | 'payment_disputed'
  | 'invoice_questioned'
  | 'statement'
  | 'books_refused';

/** An email the system intends to send: recorded before sending, completed after. */
export interface OutboxEntry {
  readonly key: string;
  readonly kind: OutboxKind;
  readonly date: IsoDate;
  readonly to: readonly string[];
  readonly subject: string;
  readonly invoices: readonly { number: string; step?: string }[];
  /** S3 key of the raw MIME message. */
  readonly rawKey: string;
  /**
   * The From the message was built with (SES's Source is its bare address). Absent from
   * entries recorded before the outbox carried it: their sender is the MSP's address.
   */
  readonly from?: string;
  readonly status: 'pending' | 'sent' | 'bounced';
  readonly messageId?: string;
  readonly sentOrder?: number;
}

/**
 * An invoice with the running totals of its applied payments, kept on the invoice itself: what
 * applying the next payment needs, read in one request however many payments were applied.
 */
export interface PayableInvoice {
  readonly invoice: Invoice;
  /** The sum of the applied payments. */
  readonly paid: Dec;
  /** How many payments were applied: the version a payment's application is conditioned on. */
  readonly paymentCount: number;
}

/** An invoice with its applied payments, their running totals and its dunning state, as the ledger holds it. */
export interface LedgerInvoice extends InvoiceAccount, PayableInvoice {
  readonly stepsSent: ReadonlySet<string>;
  readonly feeCharged: boolean;
  /** The client's reason for the dispute (`trueup invoices dispute --reason`), the first one given. */
  readonly disputeReason?: string;
}

/**
 * `billed` / `credited`: closed by the invoice line that carried the amount (by policy, or a
 * charge made of it with `trueup discrepancies bill|credit`).
 */
export type DiscrepancyStatus = 'open' | 'acknowledged' | 'resolved' | 'dismissed' | 'billed' | 'credited';

/** Who changed a discrepancy: a CLI user or console role, or `trueup` for the pipeline itself. */
export const SYSTEM_ACTOR = 'trueup';

export interface StoredDiscrepancy extends Discrepancy {
  readonly status: DiscrepancyStatus;
  readonly openedOn: IsoDate;
  readonly acknowledgedOn?: IsoDate;
  readonly closedOn?: IsoDate;
  readonly note?: string;
  /** Who made the last status change (SYSTEM_ACTOR when the pipeline closed it). */
  readonly by?: string;
  /** billed / credited: the invoice and its line (1-based) that carried the amount. */
  readonly invoiceNumber?: string;
  readonly invoiceLine?: number;
}

/** An invoice line that carried a discrepancy's amount. */
export interface DiscrepancyClosure {
  readonly id: string;
  readonly status: 'billed' | 'credited';
  readonly invoiceNumber: string;
  readonly invoiceLine: number;
  readonly on: IsoDate;
  readonly by: string;
}

/**
 * An invoice held for review (docs/review.md): the billing plan's entry of one client, waiting
 * for approval. Approval gives it its number; the invoice worker then issues it.
 */
export interface StoredDraft {
  readonly period: Period;
  readonly clientId: string;
  /** The plan entry (codec JSON of the draft, its late fees and usage), as `issue_invoice` carries it. */
  readonly entry: PlanEntry;
  readonly status: 'pending' | 'held' | 'approved';
  readonly createdOn: IsoDate;
  readonly holdReason?: string;
  readonly number?: string;
  readonly approvedOn?: IsoDate;
  /** Who held or approved it. */
  readonly by?: string;
}

/** A charge as stored: `invoiceNumber` once an invoice billed it. */
export interface StoredCharge extends Charge {
  readonly invoiceNumber?: string;
}

export interface ReconciliationRecord {
  readonly period: Period;
  readonly runDate: IsoDate;
  /** S3 key of the reconciliation JSON (docs/contract.md §9 shape). */
  readonly key: string;
  readonly pairs: number;
  readonly discrepancies: number;
  readonly discrepancyRate: string;
  /** How many pairs were held for a missing feed (absent when none). */
  readonly held?: number;
}

export type RecordPaymentResult = 'recorded' | 'duplicate' | 'conflict';

/*
 * The ledger, one port per aggregate. Each use case asks for the ports it uses (deps.ts,
 * `UseCaseDeps`); `Ledger` is all of them, as the DynamoDB adapter implements it. Every write is
 * keyed by a business key and conditional, so a retried call never duplicates its effect.
 */

/**
 * The imported reference data (clients, agreements, products, SKU map, settings). Saving the
 * same data again writes the same version; readers switch to a version only once it is whole.
 */
export interface ReferenceDataStore {
  saveReferenceData(reference: ReferenceData): Promise<void>;
  loadReferenceData(): Promise<ReferenceData | undefined>;
}

/**
 * The usage files ingested, one record per content (sha256) and one per later inbox object
 * with that content. Claiming known content again returns the earlier record instead; every
 * other write can be repeated with the same outcome.
 */
export interface UsageFileLog {
  /**
   * Claims a file by content. When it was claimed before, returns the existing record and
   * whether that claim came from the same inbox object (a retry, not a second drop).
   */
  claimFile(
    sha256: string,
    name: string,
    key: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: FileRecord | undefined; sameObject: boolean }>;
  completeFile(record: FileRecord): Promise<FileRecord>;
  /** Records a second drop of known content once per inbox object. */
  recordDuplicateFile(record: FileRecord): Promise<FileRecord>;
  unreportedFiles(): Promise<FileRecord[]>;
  markFilesReported(files: readonly FileRecord[], period: Period): Promise<void>;
}

/**
 * The reconciliations of each period, and the feeds expected every period. A period's
 * reconciliation is stored once: a second put is refused (false).
 */
export interface ReconciliationLog {
  /** The vendors that must deliver usage every period (imported sources.json `expectedFeeds`). */
  expectedFeeds(): Promise<readonly ExpectedFeedRule[]>;
  putReconciliation(record: ReconciliationRecord): Promise<boolean>;
  recentReconciliations(limit: number): Promise<ReconciliationRecord[]>;
}

/** The discrepancies found by reconciliation and payments, stored once by their deterministic id. */
export interface DiscrepancyStore {
  /** Stores a discrepancy once (by id); false when it was already stored. */
  storeDiscrepancy(discrepancy: Discrepancy, openedOn: IsoDate): Promise<boolean>;
  /** Every discrepancy, with the closures recorded for it applied. */
  listDiscrepancies(): Promise<StoredDiscrepancy[]>;
  setDiscrepancyStatus(
    id: string,
    status: DiscrepancyStatus,
    on: IsoDate,
    note?: string,
    by?: string,
  ): Promise<StoredDiscrepancy>;
  /**
   * Records that invoice lines carried these discrepancies. Kept apart from the discrepancy
   * itself, so that it holds whichever of the two is stored first (the queue may deliver the
   * discrepancy after the invoice is issued); the first closure of an id is kept.
   */
  closeDiscrepancies(closures: readonly DiscrepancyClosure[]): Promise<void>;
}

/**
 * The drafts of hold mode (docs/review.md), one per (period, client). Approving takes the
 * numbers from the gapless invoice counter in the same transaction that marks the drafts
 * approved: a crash never loses a number, a retry never takes one twice.
 */
export interface DraftBook {
  /**
   * Stores a period's drafts: new ones are put, pending and held ones replaced (a hold and its
   * reason are kept), approved ones never touched. Returns the drafts of the period as stored.
   */
  saveDrafts(drafts: readonly StoredDraft[]): Promise<StoredDraft[]>;
  /** The drafts of one period, or of all periods; by period, then client id. */
  listDrafts(period?: Period): Promise<StoredDraft[]>;
  /** Holds a pending draft with a reason (approve --all skips it); throws for an approved one. */
  holdDraft(period: Period, clientId: string, reason: string, on: IsoDate, by: string): Promise<StoredDraft>;
  /**
   * Approves the drafts of `period` named (pending or held), in client id order: each gets the
   * next number `{prefix}-{YYYY of on}-{NNNNNN}`. Drafts already approved are returned as they
   * are. Returns every named draft as stored after.
   */
  approveDrafts(input: {
    period: Period;
    clientIds: readonly string[];
    on: IsoDate;
    by: string;
    prefix: string;
  }): Promise<StoredDraft[]>;
}

/** The one-off charges, stored once by id, billed once by the invoice that carries them. */
export interface ChargeBook {
  /** Stores a charge; false when a charge with this id exists (nothing changes). */
  addCharge(charge: Charge): Promise<boolean>;
  /** The client's charges no invoice billed yet, by date then id. */
  unbilledCharges(clientId: string): Promise<StoredCharge[]>;
  listCharges(): Promise<StoredCharge[]>;
}

export type IssueCreditNoteResult =
  { readonly result: 'issued' | 'duplicate'; readonly note: CreditNote } | { readonly result: 'conflict' };

/**
 * The credit notes: their own gapless counter, each issued once per request key, its
 * reduction of the invoice's balance kept as an applied entry on the invoice (beside the
 * payments, on the same running totals), and the client credit it leaves.
 */
export interface CreditNoteBook {
  /**
   * Issues a credit note in one transaction: the next number of the credit-note counter
   * (`{prefix}-{YYYY of issueDate}-{NNNNNN}`), the note, its `applied` part as an applied entry
   * on its invoice (conditioned on the invoice's totals as read: `invoice.paymentCount`), its
   * `clientCredit` part as client credit, and `voidedOn` when it voids. `duplicate`: the request
   * key was used before (the note it made is returned, nothing changes); `conflict`: the
   * invoice's totals moved since read (nothing changes: read again and retry).
   */
  issueCreditNote(input: {
    requestKey: string;
    prefix: string;
    note: Omit<CreditNote, 'number'>;
    invoice: PayableInvoice;
  }): Promise<IssueCreditNoteResult>;
  getCreditNote(number: string): Promise<CreditNote | undefined>;
  /** The note a request key issued, if any: a re-run finds it before deciding anything again. */
  creditNoteOfRequest(requestKey: string): Promise<CreditNote | undefined>;
  listCreditNotes(): Promise<CreditNote[]>;
  /** The client's unspent client credit, oldest first. */
  clientCredits(clientId: string): Promise<ClientCredit[]>;
}

/** What an invoice spends or bills besides its late fees, marked in the transaction that issues it. */
export interface IssueExtras {
  /** Charges the invoice bills (each once: an already billed one fails the transaction). */
  readonly charges?: readonly string[];
  /** Client credit the invoice spends (conditioned on what is left). */
  readonly credits?: readonly { readonly creditNote: string; readonly clientId: string; readonly amount: Dec }[];
  /**
   * What the invoice is claimed by instead of (client, period): an invoice of its own for a
   * charge (`charge#<id>`).
   */
  readonly claim?: string;
}

/**
 * The invoices: the gapless number counter, each invoice claimed once by (client, period) with
 * its reserved number, read with its applied payments, and disputes. Reserving a period's numbers
 * and issuing an invoice are idempotent: a retry gets the same numbers and issues nothing new.
 */
export interface InvoiceBook {
  /** The invoice claimed by (client, period), or by `claim` (IssueExtras) when given as `period`. */
  invoiceNumberFor(clientId: string, period: Period | string): Promise<string | undefined>;
  /**
   * Reserves `count` consecutive numbers of the gapless invoice counter for the billing run of
   * `period` (or another batch key, e.g. `charge#<id>`), once: a second call for the key returns
   * the same first number (and refuses a different count). Returns the first sequence number.
   */
  reserveInvoiceNumbers(period: Period | string, count: number): Promise<number>;
  /**
   * Issues an invoice with its reserved number in one transaction: claims (client, period) (or
   * `extras.claim`), stores the invoice, marks its late fees and charges billed and spends its
   * client credit. Returns false when the claim was already issued with this number (a retry);
   * throws when it was issued with another.
   */
  issueNumberedInvoice(invoice: Invoice, lateFees: readonly LateFee[], extras?: IssueExtras): Promise<boolean>;
  /** The invoice with all its applied payments (stored one item each, read in pages). */
  getInvoice(number: string): Promise<LedgerInvoice | undefined>;
  /**
   * Every invoice with its applied payments (two paginated queries, whatever the number of
   * invoices), or only those still open for dunning (total > 0, balance > 0), with the payments
   * of those that have any (one query per such invoice; the payments of closed invoices are
   * not read).
   */
  listInvoices(options?: { openOnly?: boolean }): Promise<LedgerInvoice[]>;
  /** Marks the invoice disputed; the first date and the first reason given are kept. */
  disputeInvoice(number: string, on: IsoDate, reason?: string): Promise<void>;
}

/**
 * The payments received: stored once by payment id, pending until applied. Recording an outcome
 * happens once per payment and is conditioned on the invoice's totals as read (its paymentCount).
 */
export interface PaymentBook {
  /** Stores payments to apply on their received_on day; returns how many were new. */
  addPayments(payments: readonly Payment[]): Promise<number>;
  pendingPayments(upTo: IsoDate): Promise<Payment[]>;
  /** Every payment whose outcome is recorded (applied, in part or whole, or unapplied): the journal's payments. */
  recordedPayments(): Promise<Payment[]>;
  /**
   * What applying a pending payment needs, read in one snapshot (one request, however many
   * payments the invoice took): whether the payment is still pending, and its invoice with the
   * running totals but not the payments (undefined when no such invoice exists). Read together
   * so that a run never decides a payment on totals that already count it.
   */
  paymentTarget(payment: Payment): Promise<{ pending: boolean; invoice: PayableInvoice | undefined }>;
  /**
   * Records a payment's outcome once (by payment id) in one transaction: the payment leaves
   * `pending`, and an applied part is stored as its own item and added to the invoice's running
   * totals, on condition that they are still those of `applied.invoice` (its paymentCount); the
   * invoice leaves the open list when `stillOpen` is false. Returns `recorded`; `duplicate` when
   * the payment was already recorded (nothing changes); `conflict` when another payment was
   * applied to the invoice since it was read (nothing changes: read it again and retry).
   */
  recordPayment(
    payment: Payment,
    applied: { invoice: PayableInvoice; amount: Dec; stillOpen: boolean } | undefined,
  ): Promise<RecordPaymentResult>;
  /**
   * Adds the provider's fee to a stored payment (pending or recorded) that has none, by a
   * conditional write: `recorded`; `known` when it has a fee already (the first one stays,
   * a redelivery changes nothing); `missing` when no payment has this id (yet).
   */
  recordPaymentFee(paymentId: string, fee: ProviderFee): Promise<'recorded' | 'known' | 'missing'>;
}

/**
 * Provider events (webhook deliveries) as handled, once per event id: the audit of what the
 * payment provider told us, and what makes a redelivered failure or dispute change nothing.
 */
export interface ProviderEventLog {
  /** Records an event once by its id; false when it was recorded before (a redelivery). */
  recordProviderEvent(event: StoredProviderEvent): Promise<boolean>;
  getProviderEvent(id: string): Promise<StoredProviderEvent | undefined>;
  listProviderEvents(): Promise<StoredProviderEvent[]>;
}

export interface StoredProviderEvent {
  /** The provider's event id (Stripe `evt_…`). */
  readonly id: string;
  /** The provider's event type, e.g. `payment_intent.succeeded`. */
  readonly type: string;
  /** The MSP-time-zone day the event was created. */
  readonly receivedOn: IsoDate;
  readonly invoiceNumber?: string;
  /** What handling it did, in a few words (`applied`, `duplicate`, `disputed`, …). */
  readonly outcome: string;
}

/** Auto-pay attempts, one per invoice: decided once, so a re-run never charges twice. */
export interface AutoPayLog {
  getAutoPay(invoiceNumber: string): Promise<AutoPayAttempt | undefined>;
  /** Records the attempt's outcome once per invoice; false when another run recorded it first. */
  recordAutoPay(attempt: AutoPayAttempt): Promise<boolean>;
  listAutoPays(): Promise<AutoPayAttempt[]>;
}

export interface AutoPayAttempt {
  readonly invoiceNumber: string;
  readonly clientId: string;
  readonly on: IsoDate;
  /** `processing`: a bank debit the provider settles later (its webhook brings the payment). */
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'processing';
  readonly amount: Dec;
  readonly currency: string;
  readonly providerReference?: string;
  /** How it was paid (`card`, `us_bank_account`), when charged. */
  readonly method?: string;
  readonly methodDetail?: string;
  /** Why it failed or was skipped, in words for the billing team. */
  readonly reason?: string;
}

/** Money a payment provider reports, in major units of its currency (never floats). */
export interface ProviderPayment {
  /** The provider's id of the money (Stripe PaymentIntent `pi_…`): the TrueUp payment id. */
  readonly providerReference: string;
  /** From the metadata TrueUp set when it asked for the payment; undefined when missing. */
  readonly invoiceNumber: string | undefined;
  /** What counts toward the invoice: the amount paid less any surcharge. */
  readonly amount: Dec;
  readonly surcharge?: Dec;
  readonly currency: string;
  readonly method?: PaymentMethodType | string;
  readonly methodDetail?: string;
  /** What the provider kept, once it is known (Stripe: the charge's balance transaction). */
  readonly fee?: ProviderFee;
}

/** A provider's fee in its settlement currency (upper case), which can differ from the payment's. */
export interface ProviderFee {
  readonly amount: Dec;
  readonly currency: string;
}

export interface ProviderRefund {
  /** The provider's refund id (`re_…`). */
  readonly refundId: string;
  /** The payment refunded (`pi_…`). */
  readonly paymentReference: string;
  readonly invoiceNumber: string | undefined;
  /** Positive: the money given back. */
  readonly amount: Dec;
  readonly currency: string;
  /** The refund's fee as the provider reports it (usually 0: the payment's fee is not returned). */
  readonly fee?: ProviderFee;
}

/** A verified webhook event, in TrueUp's terms. `created` is epoch seconds. */
export type ProviderEvent =
  | {
      readonly kind: 'payment_succeeded';
      readonly id: string;
      readonly type: string;
      readonly created: number;
      readonly payment: ProviderPayment;
    }
  | {
      readonly kind: 'payment_failed';
      readonly id: string;
      readonly type: string;
      readonly created: number;
      readonly payment: ProviderPayment;
      readonly reason: string;
    }
  | {
      readonly kind: 'refunded';
      readonly id: string;
      readonly type: string;
      readonly created: number;
      readonly refunds: readonly ProviderRefund[];
    }
  | {
      readonly kind: 'disputed';
      readonly id: string;
      readonly type: string;
      readonly created: number;
      readonly disputeId: string;
      readonly payment: ProviderPayment;
      readonly reason: string;
    }
  /**
   * The provider's fee of a payment became known after the payment (Stripe `charge.updated`
   * once the charge's balance transaction exists): added to the recorded payment once.
   * `chargeCreated` (epoch seconds) tells a fresh payment from an old charge edited later.
   */
  | {
      readonly kind: 'fee_reported';
      readonly id: string;
      readonly type: string;
      readonly created: number;
      readonly paymentReference: string;
      readonly invoiceNumber: string | undefined;
      readonly fee: ProviderFee;
      readonly chargeCreated: number;
    }
  /** A verified event TrueUp handles by only recording it (e.g. a bank debit's checkout completed, not yet paid). */
  | {
      readonly kind: 'noted';
      readonly id: string;
      readonly type: string;
      readonly created: number;
      readonly invoiceNumber?: string;
    }
  /** A verified event of a type TrueUp does not handle: refused without side effects. */
  | { readonly kind: 'unsupported'; readonly id: string; readonly type: string; readonly created: number };

/** A hosted payment page for one invoice's open balance. */
export interface CheckoutRequest {
  readonly invoiceNumber: string;
  readonly clientId: string;
  readonly customerId?: string;
  readonly customerEmail?: string;
  /** The line the client sees, e.g. "Invoice INV-2026-000001 — Acme IT". */
  readonly description: string;
  /** The open balance, in major units. */
  readonly amount: Dec;
  readonly currency: string;
  /** A card surcharge shown as a line of its own (only with `methods: ['card']`). */
  readonly surcharge?: Dec;
  readonly methods: readonly PaymentMethodType[];
  readonly successUrl: string;
  readonly cancelUrl: string;
  /** The same key gives the same page (Stripe keeps keys 24 hours, as long as a page lives). */
  readonly idempotencyKey: string;
}

export interface CheckoutPage {
  readonly id: string;
  readonly url: string;
}

/** An off-session charge of a customer's saved (default) payment method. */
export interface SavedMethodCharge {
  readonly invoiceNumber: string;
  readonly clientId: string;
  readonly customerId: string;
  readonly amount: Dec;
  readonly currency: string;
  readonly description: string;
  /** `autopay-<invoice number>`: a retry returns the first attempt's result, never a second charge. */
  readonly idempotencyKey: string;
}

export type SavedMethodChargeResult =
  | { readonly status: 'succeeded'; readonly created: number; readonly payment: ProviderPayment }
  | { readonly status: 'processing'; readonly created: number; readonly payment: ProviderPayment }
  | { readonly status: 'failed'; readonly reason: string; readonly providerReference?: string };

/** A webhook delivery that is not a genuine, fresh event: answered 400, with no side effect. */
export class WebhookRejected extends Error {
  override readonly name = 'WebhookRejected';
}

/** The payment provider (Stripe; locally its embedded stand-in behind the same SDK). */
export interface PaymentProvider {
  createCheckout(request: CheckoutRequest): Promise<CheckoutPage>;
  chargeSavedMethod(request: SavedMethodCharge): Promise<SavedMethodChargeResult>;
  /** Verifies the delivery's signature (and its age) and reads the event; throws WebhookRejected. */
  parseWebhook(payload: string, signatureHeader: string | undefined): Promise<ProviderEvent>;
}

/**
 * The dunning steps sent per invoice and the late fees they charged: a step once per
 * (invoice, step), a fee once per invoice, recorded with the email's outbox entry in one write.
 */
export interface DunningLog {
  /** Records the steps and fees of one dunning email and its outbox entry in one transaction. */
  recordDunning(
    steps: readonly { invoiceNumber: string; step: string }[],
    fees: readonly LateFee[],
    outbox: OutboxEntry,
  ): Promise<boolean>;
  unbilledLateFees(clientId: string): Promise<LateFee[]>;
}

/**
 * The emails to send and sent: one entry per outbox key, recorded before sending, sent under a
 * lease, marked once after the mail service accepts it.
 */
export interface Outbox {
  /** Records the intent to send; false when an entry with this key exists. */
  putOutbox(entry: OutboxEntry): Promise<boolean>;
  getOutbox(key: string): Promise<OutboxEntry | undefined>;
  pendingOutbox(): Promise<OutboxEntry[]>;
  /**
   * Takes the right to send a pending entry: a lease held by `owner` for `leaseSeconds`.
   * Returns the email's place in the sent log (taken now, so that recording the send after SES
   * accepts it is one write), or undefined when the entry is sent or another sender holds a
   * live lease. A lease left by a crashed sender expires; a retry then takes it.
   */
  claimSend(key: string, owner: string, leaseSeconds: number): Promise<{ sentOrder: number } | undefined>;
  /** Records that SES accepted the entry (one conditional write); a second call changes nothing. */
  markSent(entry: OutboxEntry, messageId: string, sentOrder: number): Promise<OutboxEntry>;
  sentLog(): Promise<OutboxEntry[]>;
  /**
   * Records that SES bounced a message: the entry becomes `bounced` and, for a dunning email,
   * its steps no longer count as sent. Returns the entry, or undefined for an unknown id.
   */
  markBounced(messageId: string): Promise<OutboxEntry | undefined>;
}

/** The whole ledger (the DynamoDB table): every aggregate's port, as the adapter implements it. */
export interface Ledger
  extends
    ReferenceDataStore,
    UsageFileLog,
    ReconciliationLog,
    DiscrepancyStore,
    InvoiceBook,
    PaymentBook,
    DunningLog,
    Outbox,
    DraftBook,
    ChargeBook,
    CreditNoteBook,
    ProviderEventLog,
    AutoPayLog,
    BooksLog,
    AuditLog {}

/**
 * Writes text objects line by line in numbered parts: a part is stored once its lines reach
 * the part size, at most one part at a time (the next waits for it, so that writing overlaps
 * reading without piling up). The ingest stores normalized usage with it (usage-records.ts).
 */
export interface PartWriter {
  /** An object written in parts named `keyOf(0)`, `keyOf(1)` …; all the writer's objects share its one part in flight. */
  open(keyOf: (part: number) => string, contentType: string): PartedObject;
  /** Waits until every part handed over is stored; throws when one was not. */
  settled(): Promise<void>;
}

/** One object of a PartWriter. */
export interface PartedObject {
  /** How many parts were handed over to be stored. */
  readonly parts: number;
  /**
   * Appends `text` (then a NUL and `second`, when given) and a line feed. When that fills the
   * part, hands it over and returns a promise: wait for it before the next line. A part that
   * failed to store is thrown here or by `settled`.
   */
  append(text: string, second?: string): Promise<void> | void;
  /** Hands over what is left as the last part (nothing when it is empty). */
  end(): Promise<void>;
}

/** A PartWriter storing into `store` in parts of about `partSize` bytes. */
export type OpenPartWriter = (store: BlobStore, partSize: number) => PartWriter;
