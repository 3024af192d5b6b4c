/**
 * An in-memory AccountingSystem for the publisher's tests (the Xero and QuickBooks adapters
 * have their own tests against their stand-ins). It keeps what was created, finds documents by
 * their TrueUp key, and replays a repeated idempotency key's first response without creating
 * anything, as Xero's `Idempotency-Key` and QuickBooks' `requestid` do. It refuses a payment or
 * document whose customer or invoice it does not hold, as the real systems do.
 *
 * Fault switches, per document (`kind#key`):
 * - `refuse(kind, key, message)`: every create throws BooksRefused(message) until `fix`.
 * - `failBefore(kind, key, n)`: the next n calls for it (find or create) throw before anything
 *   happens (a connection refused, a 503).
 * - `failAfter(kind, key, n)`: the next n creates apply, then throw (a timeout: the document
 *   is there, the caller does not know).
 * - `hideFromFind(kind, key)`: find does not see it (a search index behind): only the
 *   idempotency key stops a duplicate.
 * - `reportTotal(kind, key, total)`: the system computes another total than TrueUp's.
 */
import { Dec } from '../../functions/domain/money.js';
import {
  BooksRefused,
  type AccountingSystem,
  type BooksCreditNote,
  type BooksCustomer,
  type BooksInvoice,
  type BooksKind,
  type BooksPayment,
  type BooksRef,
  type BooksSystemName,
} from '../../functions/app/books-ports.js';

/** A document as the fake holds it. */
export interface FakeBooksDocument {
  readonly kind: BooksKind;
  readonly key: string;
  readonly externalId: string;
  /** TrueUp's total as sent (customers: none). */
  readonly total?: string;
  /** What it refers to: a customer's id, an invoice's id. */
  readonly refs: readonly string[];
}

/** A transient error of the fake: anything but BooksRefused. */
export class FakeBooksUnavailable extends Error {
  override readonly name = 'FakeBooksUnavailable';
}

export class FakeAccountingSystem implements AccountingSystem {
  /** Every document created, in order (a duplicate shows twice). */
  readonly created: FakeBooksDocument[] = [];
  /** Every call made: `method kind#key`. */
  readonly calls: string[] = [];
  private readonly replies = new Map<string, BooksRef>();
  private readonly refusals = new Map<string, string>();
  private readonly before = new Map<string, number>();
  private readonly after = new Map<string, number>();
  private readonly hidden = new Set<string>();
  private readonly totals = new Map<string, Dec>();

  constructor(readonly system: BooksSystemName = 'xero') {}

  refuse(kind: BooksKind, key: string, message: string): this {
    this.refusals.set(`${kind}#${key}`, message);
    return this;
  }
  fix(kind: BooksKind, key: string): this {
    this.refusals.delete(`${kind}#${key}`);
    return this;
  }
  failBefore(kind: BooksKind, key: string, times = 1): this {
    this.before.set(`${kind}#${key}`, times);
    return this;
  }
  failAfter(kind: BooksKind, key: string, times = 1): this {
    this.after.set(`${kind}#${key}`, times);
    return this;
  }
  hideFromFind(kind: BooksKind, key: string): this {
    this.hidden.add(`${kind}#${key}`);
    return this;
  }
  reportTotal(kind: BooksKind, key: string, total: Dec): this {
    this.totals.set(`${kind}#${key}`, total);
    return this;
  }

  /** A copy with the same documents, replies and switches (a fork of the books). */
  clone(): FakeAccountingSystem {
    const copy = new FakeAccountingSystem(this.system);
    copy.created.push(...this.created);
    for (const [from, to] of [
      [this.replies, copy.replies],
      [this.refusals, copy.refusals],
      [this.before, copy.before],
      [this.after, copy.after],
      [this.totals, copy.totals],
    ] as const)
      for (const [k, v] of from as Map<string, never>) (to as Map<string, never>).set(k, v);
    for (const h of this.hidden) copy.hidden.add(h);
    return copy;
  }

  /** How many times each document was created, `kind#key` → count (1 everywhere: no duplicate). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.created) out[`${d.kind}#${d.key}`] = (out[`${d.kind}#${d.key}`] ?? 0) + 1;
    return out;
  }

  async findCustomer(clientId: string): Promise<BooksRef | undefined> {
    return this.find('customer', clientId);
  }

  async findDocument(kind: Exclude<BooksKind, 'customer'>, key: string): Promise<BooksRef | undefined> {
    return this.find(kind, key);
  }

  async createCustomer(customer: BooksCustomer, idempotencyKey: string): Promise<BooksRef> {
    return this.create('customer', customer.clientId, idempotencyKey, undefined, []);
  }

  async createInvoice(invoice: BooksInvoice, customer: BooksRef, idempotencyKey: string): Promise<BooksRef> {
    this.requireHeld(customer, `customer ${invoice.clientId}`);
    return this.create('invoice', invoice.number, idempotencyKey, invoice.total, [customer.externalId]);
  }

  async createCreditNote(
    note: BooksCreditNote,
    customer: BooksRef,
    invoice: BooksRef | undefined,
    idempotencyKey: string,
  ): Promise<BooksRef> {
    this.requireHeld(customer, `customer ${note.clientId}`);
    if (invoice) this.requireHeld(invoice, `invoice ${note.invoiceNumber ?? ''}`);
    const refs = [customer.externalId, ...(invoice ? [invoice.externalId] : [])];
    return this.create('credit_note', note.number, idempotencyKey, note.total, refs);
  }

  async createPayment(payment: BooksPayment, invoice: BooksRef, idempotencyKey: string): Promise<BooksRef> {
    this.requireHeld(invoice, `invoice ${payment.invoiceNumber}`);
    if (!payment.amount.greaterThan(0)) throw new BooksRefused(`Payment amount must be positive (${payment.id})`);
    return this.create('payment', payment.id, idempotencyKey, payment.amount, [invoice.externalId]);
  }

  private async find(kind: BooksKind, key: string): Promise<BooksRef | undefined> {
    const id = `${kind}#${key}`;
    this.calls.push(`find ${id}`);
    this.failIfAsked(this.before, id, 'before');
    if (this.hidden.has(id)) return undefined;
    const found = this.created.find((d) => d.kind === kind && d.key === key);
    return found ? this.refOf(found) : undefined;
  }

  private async create(
    kind: BooksKind,
    key: string,
    idempotencyKey: string,
    total: Dec | undefined,
    refs: readonly string[],
  ): Promise<BooksRef> {
    const id = `${kind}#${key}`;
    this.calls.push(`create ${id}`);
    this.failIfAsked(this.before, id, 'before');
    const replayed = this.replies.get(idempotencyKey);
    if (replayed) return replayed;
    const refusal = this.refusals.get(id);
    if (refusal !== undefined) throw new BooksRefused(refusal);
    const n = this.created.filter((d) => d.kind === kind && d.key === key).length;
    const document: FakeBooksDocument = {
      kind,
      key,
      externalId: `${kind}:${key}${n > 0 ? `#${n + 1}` : ''}`,
      ...(total === undefined ? {} : { total: total.toFixed() }),
      refs,
    };
    this.created.push(document);
    const ref = this.refOf(document);
    this.replies.set(idempotencyKey, ref);
    this.failIfAsked(this.after, id, 'after');
    return ref;
  }

  private refOf(document: FakeBooksDocument): BooksRef {
    const total = this.totals.get(`${document.kind}#${document.key}`) ?? document.total;
    return { externalId: document.externalId, ...(total === undefined ? {} : { total: new Dec(total) }) };
  }

  private requireHeld(ref: BooksRef, what: string): void {
    if (!this.created.some((d) => d.externalId === ref.externalId))
      throw new BooksRefused(`${what} (${ref.externalId}) is not in the books`);
  }

  private failIfAsked(switches: Map<string, number>, id: string, when: 'before' | 'after'): void {
    const left = switches.get(id) ?? 0;
    if (left <= 0) return;
    switches.set(id, left - 1);
    throw new FakeBooksUnavailable(
      when === 'before' ? `${id}: service unavailable (503)` : `${id}: timed out after the system applied it`,
    );
  }
}
