/**
 * Publishing to the books (docs/accounting.md): the accounting system TrueUp pushes customers,
 * invoices, credit notes and payments to (QuickBooks Online or Xero; locally their stand-ins),
 * and the ledger's log of what was published, so a retry or a re-run never pushes twice.
 *
 * Identity: every document is keyed by its TrueUp number (a customer by its client id). The
 * publisher looks a document up by that key before creating it, and creates it with an
 * idempotency key derived from it; the log records the accounting system's id once it is there.
 */
import type { IsoDate, Period } from '../domain/dates.js';
import type { Dec } from '../domain/money.js';
import type { BooksSystemName } from '../domain/billing-types.js';

export type { BooksSystemName } from '../domain/billing-types.js';

/** What the publisher pushes, in the order it pushes them (a document needs its customer first). */
export type BooksKind = 'customer' | 'invoice' | 'credit_note' | 'payment';

/** A client as the books know it: a customer (QuickBooks) or a contact (Xero). */
export interface BooksCustomer {
  /** The TrueUp client id: QuickBooks `DisplayName` suffix / Xero `ContactNumber`, the lookup key. */
  readonly clientId: string;
  readonly name: string;
  readonly email?: string;
  readonly currency: string;
}

/** One line of an invoice or credit note, in the document's currency (exact decimals). */
export interface BooksLine {
  readonly description: string;
  readonly quantity: Dec;
  readonly unitPrice: Dec;
  /** quantity × unitPrice as TrueUp rounded it: what the books must show. */
  readonly amount: Dec;
  /** The income account, as the chart of accounts names it (`4100 Licensing`). */
  readonly account: string;
  readonly taxable: boolean;
  /** The product's sku, when the line has one. */
  readonly sku?: string;
}

export interface BooksInvoice {
  readonly number: string;
  readonly clientId: string;
  readonly period: Period;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  readonly currency: string;
  readonly lines: readonly BooksLine[];
  /** The client's tax rate (percent) and the tax TrueUp charged: the books take this tax as it is. */
  readonly taxRatePercent: Dec;
  readonly tax: Dec;
  readonly total: Dec;
}

export interface BooksCreditNote {
  readonly number: string;
  readonly clientId: string;
  readonly issueDate: IsoDate;
  readonly currency: string;
  /** The invoice it credits, when it credits one. */
  readonly invoiceNumber?: string;
  readonly lines: readonly BooksLine[];
  readonly taxRatePercent: Dec;
  readonly tax: Dec;
  readonly total: Dec;
  /** The part applied to `invoiceNumber`'s balance (the rest is the client's credit). */
  readonly applied: Dec;
}

/** Money received and applied to one invoice (the applied part of a TrueUp payment). */
export interface BooksPayment {
  /** The TrueUp payment id (a payments CSV id, or the provider's `pi_…`). */
  readonly id: string;
  readonly clientId: string;
  readonly invoiceNumber: string;
  readonly receivedOn: IsoDate;
  readonly currency: string;
  /** The part of the payment its invoice took (positive). */
  readonly amount: Dec;
  /** The account the money is deposited to (settings `publish.paymentAccount`, or undeposited funds). */
  readonly account: string;
}

/** A document as the accounting system holds it. */
export interface BooksRef {
  /** The accounting system's own id (QuickBooks `Id`, Xero `InvoiceID`/`ContactID`/…). */
  readonly externalId: string;
  /** The total the system computed, when it reports one: compared with TrueUp's. */
  readonly total?: Dec;
}

/**
 * The accounting system refused the document (a validation error): retrying the same document
 * will fail the same way until someone fixes the books (or the mapping). `systemMessage` is the
 * system's own words, shown to the billing team. Any other error is transient (a timeout, a 5xx,
 * a rate limit, an expired token that could not be refreshed) and the document is tried again.
 */
export class BooksRefused extends Error {
  override readonly name = 'BooksRefused';
  constructor(readonly systemMessage: string) {
    super(systemMessage);
  }
}

/**
 * An accounting system, behind its official SDK or REST API. `find*` looks a document up by its
 * TrueUp key (undefined when absent); `create*` creates it, passing `idempotencyKey` where the
 * API takes one (Xero `Idempotency-Key`, QuickBooks `requestid`). Nothing is ever deleted.
 */
export interface AccountingSystem {
  readonly system: BooksSystemName;
  findCustomer(clientId: string): Promise<BooksRef | undefined>;
  createCustomer(customer: BooksCustomer, idempotencyKey: string): Promise<BooksRef>;
  findDocument(kind: Exclude<BooksKind, 'customer'>, key: string): Promise<BooksRef | undefined>;
  createInvoice(invoice: BooksInvoice, customer: BooksRef, idempotencyKey: string): Promise<BooksRef>;
  createCreditNote(
    note: BooksCreditNote,
    customer: BooksRef,
    invoice: BooksRef | undefined,
    idempotencyKey: string,
  ): Promise<BooksRef>;
  createPayment(payment: BooksPayment, invoice: BooksRef, idempotencyKey: string): Promise<BooksRef>;
}

/** What the ledger remembers of one document's publishing, per accounting system. */
export interface BooksRecord {
  readonly system: BooksSystemName;
  readonly kind: BooksKind;
  /** The TrueUp number (a client id for a customer, a payment id for a payment). */
  readonly key: string;
  /** `published`: in the books, final. `refused`: the system said no; tried again each run. */
  readonly status: 'published' | 'refused';
  readonly externalId?: string;
  /** The system's message when refused. */
  readonly message?: string;
  /** When the system's total differs from TrueUp's: what differs, for the billing team. */
  readonly warning?: string;
  /** How many runs tried it (1 for a document published at the first try). */
  readonly attempts: number;
  readonly firstTriedOn: IsoDate;
  readonly lastTriedOn: IsoDate;
  /** The day the billing team was told of this refusal (its message): told once per message. */
  readonly reportedOn?: IsoDate;
}

/**
 * The log of publishing: `PK=BOOKS#<system>, SK=<kind>#<key>`. A published record is final:
 * `putBooksRecord` never overwrites one (it returns false), so two runs racing publish once;
 * only its `reportedOn` is set later (`markBooksReported`).
 */
export interface BooksLog {
  getBooksRecord(system: BooksSystemName, kind: BooksKind, key: string): Promise<BooksRecord | undefined>;
  /** Writes the record unless a published one is there; false when it was not written. */
  putBooksRecord(record: BooksRecord): Promise<boolean>;
  listBooksRecords(system: BooksSystemName): Promise<BooksRecord[]>;
  /**
   * Sets `reportedOn` on a record, whatever its status: the one thing of a published record that
   * changes (a published record with a `warning` is reported after it is final). Nothing when
   * there is no such record.
   */
  markBooksReported(system: BooksSystemName, kind: BooksKind, key: string, on: IsoDate): Promise<void>;
}

/**
 * The OAuth2 connection to an accounting system: the app's client id and secret, and the
 * tokens. Both systems rotate refresh tokens (a refresh returns a new one and the old one soon
 * stops working), so every refresh is written back at once (`BooksTokenStore.write`) before the
 * new access token is used. On AWS the whole object is one Secrets Manager secret's JSON.
 */
export interface BooksTokens {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  readonly accessToken?: string;
  /** When `accessToken` expires, epoch seconds. */
  readonly expiresAt?: number;
  /** Xero: the organisation (`xero-tenant-id`). */
  readonly tenantId?: string;
  /** QuickBooks Online: the company (`realmId`). */
  readonly realmId?: string;
  /** QuickBooks Online: `sandbox` or `production` (default production). */
  readonly environment?: 'sandbox' | 'production';
}

/** Where the tokens are kept: Secrets Manager on AWS, a file of the local state (or memory) here. */
export interface BooksTokenStore {
  read(): Promise<BooksTokens>;
  write(tokens: BooksTokens): Promise<void>;
}
