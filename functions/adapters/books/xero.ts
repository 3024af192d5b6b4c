/**
 * Xero behind the AccountingSystem port (docs/xero.md), on Xero's official SDK `xero-node`.
 *
 * Identity (DESIGN-20 decision 1): a Contact by `ContactNumber` = TrueUp client id, an ACCREC
 * Invoice by `InvoiceNumber`, an ACCRECCREDIT CreditNote by `CreditNoteNumber`, a Payment by
 * `Reference` = TrueUp payment id; every create carries the publisher's `Idempotency-Key`.
 * Lines are `Exclusive` with an explicit `TaxAmount` each, so Xero's TotalTax is TrueUp's tax.
 *
 * Tokens (decision 10): read from the BooksTokenStore, refreshed through the SDK
 * (`XeroClient.refreshToken`, openid-client's refresh_token grant) when the access token is
 * missing or expires within 60 s, or once on a 401; the rotated set is written back before the
 * new access token is used. The SDK's `initialize()` would discover the issuer over the network,
 * so the openid-client Client is built from Xero's published metadata instead: no request is
 * made until the first API call, and the identity and API URLs can point at the stand-in.
 */
import { createHash } from 'node:crypto';
import { Issuer, custom, errors as openIdErrors } from 'openid-client';
import {
  XeroClient,
  Invoice,
  CreditNote,
  LineAmountTypes,
  type Allocation,
  type Contact,
  type CurrencyCode,
  type LineItem,
  type Payment,
} from 'xero-node';
import {
  BooksRefused,
  type AccountingSystem,
  type BooksCreditNote,
  type BooksCustomer,
  type BooksInvoice,
  type BooksKind,
  type BooksLine,
  type BooksPayment,
  type BooksRef,
  type BooksTokenStore,
  type BooksTokens,
} from '../../app/books-ports.js';
import { Dec, ZERO, decimalText, formatMoney, roundMoney, sum } from '../../domain/money.js';

export interface XeroOptions {
  readonly tokens: BooksTokenStore;
  /** Xero's identity server; the stand-in's URL locally. */
  readonly identityUrl?: string;
  /** Xero's API host (the Accounting API is under `/api.xro/2.0`); the stand-in's URL locally. */
  readonly apiUrl?: string;
  /** The TaxType of a taxable line (Xero's code: `OUTPUT` is "Tax on Sales"; US orgs may use `TAX001`…). */
  readonly taxType?: string;
  /** The TaxType of a line TrueUp does not tax (`NONE`: "No GST/VAT/Tax Exempt"). */
  readonly exemptTaxType?: string;
  /** How long one API or token call may take before it counts as a timeout (ms). */
  readonly timeoutMs?: number;
  /** The longest Retry-After of a 429 that is waited out (s); a longer one is transient. Default 60. */
  readonly rateLimitWaitSeconds?: number;
  /** The clock, epoch ms (token expiry). */
  readonly now?: () => number;
  /** How a Retry-After is waited out (tests pass a fake). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const XERO_IDENTITY_URL = 'https://identity.xero.com';
export const XERO_API_URL = 'https://api.xero.com';
/** Refresh when the access token has less than this left (decision 10). */
const REFRESH_MARGIN_SECONDS = 60;
/** Xero's limit on an Idempotency-Key. */
const MAX_KEY_LENGTH = 128;

/** How many times one call waits out a short rate limit before it counts as transient. */
const RATE_LIMIT_RETRIES = 3;

/** A response the SDK rejected with: its status (0 when none came), body and headers. */
interface XeroFailure {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, unknown>>;
}

export function xeroAccountingSystem(options: XeroOptions): AccountingSystem {
  return new XeroBooks(options);
}

class XeroBooks implements AccountingSystem {
  readonly system = 'xero' as const;
  private readonly xero: XeroClient;
  private readonly store: BooksTokenStore;
  private readonly identityUrl: string;
  private readonly taxType: string;
  private readonly exemptTaxType: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly rateLimitWaitSeconds: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: BooksTokens | undefined;
  private refreshing: Promise<BooksTokens> | undefined;
  private readonly accountCodes = new Map<string, Promise<string>>();

  constructor(options: XeroOptions) {
    this.store = options.tokens;
    this.identityUrl = (options.identityUrl ?? XERO_IDENTITY_URL).replace(/\/$/, '');
    this.taxType = options.taxType ?? 'OUTPUT';
    this.exemptTaxType = options.exemptTaxType ?? 'NONE';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.rateLimitWaitSeconds = options.rateLimitWaitSeconds ?? 60;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.xero = new XeroClient();
    this.xero.accountingApi.basePath = `${(options.apiUrl ?? XERO_API_URL).replace(/\/$/, '')}/api.xro/2.0`;
  }

  // ---- the port ----

  async findCustomer(clientId: string): Promise<BooksRef | undefined> {
    const body = await this.call('find contact', (tenant) =>
      this.xero.accountingApi.getContacts(
        tenant,
        undefined,
        equals('ContactNumber', clientId),
        undefined,
        undefined,
        undefined,
        true,
      ),
    );
    const contact = (body.contacts ?? []).find((c) => c.contactNumber === clientId);
    return contact?.contactID ? { externalId: contact.contactID } : undefined;
  }

  async createCustomer(customer: BooksCustomer, idempotencyKey: string): Promise<BooksRef> {
    const contact: Contact = {
      name: customer.name,
      contactNumber: customer.clientId,
      ...(customer.email ? { emailAddress: customer.email } : {}),
      defaultCurrency: customer.currency as unknown as CurrencyCode,
    };
    const body = await this.call('create contact', (tenant) =>
      this.xero.accountingApi.createContacts(tenant, { contacts: [contact] }, true, xeroKey(idempotencyKey)),
    );
    const created = only(body.contacts, 'contact', customer.clientId);
    return { externalId: required(created.contactID, 'ContactID') };
  }

  async findDocument(kind: Exclude<BooksKind, 'customer'>, key: string): Promise<BooksRef | undefined> {
    if (kind === 'invoice') {
      const invoice = await this.findInvoice(key);
      return invoice && { externalId: required(invoice.invoiceID, 'InvoiceID'), total: money(invoice.total) };
    }
    if (kind === 'credit_note') {
      const note = await this.findCreditNote(key);
      // A note whose allocation was cut off (see createCreditNote) is not done: create finishes it.
      return note && !allocationPending(note) ? creditNoteRef(note) : undefined;
    }
    const body = await this.call('find payment', (tenant) =>
      this.xero.accountingApi.getPayments(tenant, undefined, equals('Reference', key)),
    );
    const payment = (body.payments ?? []).find((p) => p.reference === key);
    return payment && { externalId: required(payment.paymentID, 'PaymentID'), total: money(payment.amount) };
  }

  async createInvoice(invoice: BooksInvoice, customer: BooksRef, idempotencyKey: string): Promise<BooksRef> {
    const document: Invoice = {
      type: Invoice.TypeEnum.ACCREC,
      contact: { contactID: customer.externalId },
      invoiceNumber: invoice.number,
      reference: invoice.period,
      date: invoice.issueDate,
      dueDate: invoice.dueDate,
      currencyCode: invoice.currency as unknown as CurrencyCode,
      status: Invoice.StatusEnum.AUTHORISED,
      lineAmountTypes: LineAmountTypes.Exclusive,
      lineItems: await this.lineItems(invoice),
    };
    const body = await this.call('create invoice', (tenant) =>
      this.xero.accountingApi.createInvoices(tenant, { invoices: [document] }, true, 4, xeroKey(idempotencyKey)),
    );
    const created = only(body.invoices, 'invoice', invoice.number);
    return { externalId: required(created.invoiceID, 'InvoiceID'), total: money(created.total) };
  }

  /**
   * Xero takes a credit note and its allocation to an invoice in two calls. So that a crash
   * between them never leaves the allocation out, a note that applies to an invoice carries that
   * invoice's number as its Reference, `findDocument` does not count such a note without an
   * allocation as published, and this method finds the note it made before (by number) and
   * allocates what is left to allocate (with its own idempotency key).
   */
  async createCreditNote(
    note: BooksCreditNote,
    customer: BooksRef,
    invoice: BooksRef | undefined,
    idempotencyKey: string,
  ): Promise<BooksRef> {
    const applies = note.applied.greaterThan(0);
    if (applies && (!invoice || !note.invoiceNumber))
      throw new Error(`Xero: credit note ${note.number} applies ${decimalText(note.applied)} but names no invoice`);
    const existing = await this.findCreditNote(note.number);
    const created = existing ?? (await this.postCreditNote(note, customer, applies, idempotencyKey));
    const creditNoteID = required(created.creditNoteID, 'CreditNoteID');
    if (applies && invoice && nothingApplied(created)) {
      const allocation: Allocation = {
        invoice: { invoiceID: invoice.externalId },
        amount: xeroNumber(note.applied),
        date: note.issueDate,
      };
      await this.call('allocate credit note', (tenant) =>
        this.xero.accountingApi.createCreditNoteAllocation(
          tenant,
          creditNoteID,
          { allocations: [allocation] },
          true,
          xeroKey(`${idempotencyKey}-allocation`),
        ),
      );
    }
    return creditNoteRef(created);
  }

  async createPayment(payment: BooksPayment, invoice: BooksRef, idempotencyKey: string): Promise<BooksRef> {
    const document: Payment = {
      invoice: { invoiceID: invoice.externalId },
      account: { code: await this.accountCode(payment.account) },
      date: payment.receivedOn,
      amount: xeroNumber(payment.amount),
      reference: payment.id,
    };
    const body = await this.call('create payment', (tenant) =>
      this.xero.accountingApi.createPayment(tenant, document, xeroKey(idempotencyKey)),
    );
    const created = only(body.payments, 'payment', payment.id);
    return { externalId: required(created.paymentID, 'PaymentID'), total: money(created.amount) };
  }

  // ---- documents ----

  private async findInvoice(number: string): Promise<Invoice | undefined> {
    const body = await this.call('find invoice', (tenant) =>
      this.xero.accountingApi.getInvoices(tenant, undefined, undefined, undefined, undefined, [number]),
    );
    return (body.invoices ?? []).find((i) => i.invoiceNumber === number && String(i.type) === 'ACCREC');
  }

  private async findCreditNote(number: string): Promise<CreditNote | undefined> {
    const body = await this.call('find credit note', (tenant) =>
      this.xero.accountingApi.getCreditNotes(tenant, undefined, equals('CreditNoteNumber', number)),
    );
    return (body.creditNotes ?? []).find((n) => n.creditNoteNumber === number && String(n.type) === 'ACCRECCREDIT');
  }

  private async postCreditNote(
    note: BooksCreditNote,
    customer: BooksRef,
    applies: boolean,
    idempotencyKey: string,
  ): Promise<CreditNote> {
    const document: CreditNote = {
      type: CreditNote.TypeEnum.ACCRECCREDIT,
      contact: { contactID: customer.externalId },
      creditNoteNumber: note.number,
      ...(applies ? { reference: note.invoiceNumber } : {}),
      date: note.issueDate,
      currencyCode: note.currency as unknown as CurrencyCode,
      status: CreditNote.StatusEnum.AUTHORISED,
      lineAmountTypes: LineAmountTypes.Exclusive,
      lineItems: await this.lineItems(note),
    };
    const body = await this.call('create credit note', (tenant) =>
      this.xero.accountingApi.createCreditNotes(tenant, { creditNotes: [document] }, true, 4, xeroKey(idempotencyKey)),
    );
    return only(body.creditNotes, 'credit note', note.number);
  }

  /**
   * TrueUp's lines as Xero line items. Xero computes a line as Quantity × UnitAmount (4 decimals
   * each, with unitdp=4) rounded to cents; unless that product is exactly TrueUp's amount, the
   * line goes as 1 × amount with the quantity and price in its description. The tax of each
   * taxable line is its amount × the rate, rounded; the rounding difference to TrueUp's tax goes
   * onto the last taxable line (decision 9), so Xero's TotalTax is TrueUp's.
   */
  private async lineItems(doc: BooksInvoice | BooksCreditNote): Promise<LineItem[]> {
    const taxes = spreadTax(doc);
    return Promise.all(
      doc.lines.map(async (line, index): Promise<LineItem> => {
        const tax = taxes[index] ?? ZERO;
        const exact = exactQuantityPrice(line);
        return {
          description: exact
            ? line.description
            : `${line.description} (${decimalText(line.quantity)} × ${decimalText(line.unitPrice)})`,
          quantity: xeroNumber(exact ? line.quantity : new Dec(1)),
          unitAmount: xeroNumber(exact ? line.unitPrice : line.amount),
          lineAmount: xeroNumber(line.amount),
          accountCode: await this.accountCode(line.account),
          taxType: line.taxable ? this.taxType : this.exemptTaxType,
          taxAmount: xeroNumber(tax),
        };
      }),
    );
  }

  /**
   * The Xero account code of a chart account as TrueUp names it (decision 9): the first word
   * when it has a digit (`4100 Licensing` → `4100`); otherwise the whole text is the account's
   * name in Xero, looked up once per run.
   */
  private accountCode(account: string): Promise<string> {
    const first = account.trim().split(/\s+/)[0] ?? '';
    if (/\d/.test(first)) return Promise.resolve(first);
    let code = this.accountCodes.get(account);
    if (!code) {
      code = this.lookUpAccountCode(account.trim());
      this.accountCodes.set(account, code);
      code.catch(() => this.accountCodes.delete(account));
    }
    return code;
  }

  private async lookUpAccountCode(name: string): Promise<string> {
    const body = await this.call('find account', (tenant) =>
      this.xero.accountingApi.getAccounts(tenant, undefined, equals('Name', name)),
    );
    const code = (body.accounts ?? []).find((a) => a.name === name)?.code;
    if (!code) throw new BooksRefused(`TrueUp: Xero's chart of accounts has no account named "${name}" with a code`);
    return code;
  }

  // ---- calls, tokens and errors ----

  /**
   * One SDK call with a fresh access token: a 401 refreshes once and retries; a 429 whose
   * Retry-After is short (Xero's minute limit: 60 calls a minute per organisation) waits and
   * retries, a few times; a 400 is the system's refusal (BooksRefused with Xero's messages);
   * anything else (a long 429 such as the daily limit, 5xx, a timeout, a cut connection) is a
   * plain Error: transient, tried again next run.
   */
  private async call<T>(what: string, request: (tenant: string) => Promise<{ body: T }>): Promise<T> {
    const tenant = await this.ready();
    let refreshed = false;
    let waits = 0;
    for (;;) {
      try {
        return await this.attempt(what, () => request(tenant));
      } catch (error) {
        const failure = failureOf(error);
        if (failure?.status === 401 && !refreshed) {
          refreshed = true;
          await this.refresh(true);
          continue;
        }
        const wait = failure?.status === 429 ? retryAfterSeconds(failure.headers) : undefined;
        if (wait !== undefined && wait <= this.rateLimitWaitSeconds && waits < RATE_LIMIT_RETRIES) {
          waits += 1;
          await this.sleep(wait * 1000);
          continue;
        }
        throw refusalOrError(what, error);
      }
    }
  }

  private async attempt<T>(what: string, request: () => Promise<{ body: T }>): Promise<T> {
    return (await withDeadline(request(), this.timeoutMs, `Xero ${what}`)).body;
  }

  /** The tenant to call, with a usable access token set on the SDK (refreshed first when needed). */
  private async ready(): Promise<string> {
    this.tokens ??= await this.store.read();
    if (!this.tokens.tenantId)
      throw new Error(
        'Xero: the books connection has no tenantId (the organisation); connect again: trueup accounting connect --system xero',
      );
    const tenant = this.tokens.tenantId;
    if (!this.usable(this.tokens)) await this.refresh(false);
    else this.useAccessToken();
    return tenant;
  }

  private useAccessToken(): void {
    this.xero.accountingApi.accessToken = this.tokens?.accessToken ?? '';
  }

  private usable(tokens: BooksTokens): boolean {
    return (
      tokens.accessToken !== undefined &&
      tokens.expiresAt !== undefined &&
      tokens.expiresAt - REFRESH_MARGIN_SECONDS > this.now() / 1000
    );
  }

  /**
   * Refreshes once at a time. The store is read again first: another run may have rotated the
   * tokens since (its refresh token is then the only one that works, and its access token may
   * still be good). After a 401 (`rejected`) the access token in hand is not trusted again.
   */
  private async refresh(rejected: boolean): Promise<void> {
    this.refreshing ??= this.refreshFromStore(rejected).finally(() => {
      this.refreshing = undefined;
    });
    this.tokens = await this.refreshing;
    this.useAccessToken();
  }

  private async refreshFromStore(rejected: boolean): Promise<BooksTokens> {
    const held = this.tokens;
    const stored = await this.store.read();
    const storeMoved = stored.refreshToken !== held?.refreshToken;
    if (storeMoved && this.usable(stored) && !(rejected && stored.accessToken === held?.accessToken)) return stored;
    const next = await this.refreshWithSdk(stored);
    await this.store.write(next); // before the new access token is used: the old refresh token is dead
    return next;
  }

  private async refreshWithSdk(tokens: BooksTokens): Promise<BooksTokens> {
    const client = new new Issuer({
      issuer: this.identityUrl,
      token_endpoint: `${this.identityUrl}/connect/token`,
      jwks_uri: `${this.identityUrl}/.well-known/openid-configuration/jwks`,
    }).Client({ client_id: tokens.clientId, client_secret: tokens.clientSecret });
    client[custom.http_options] = (_url, options) => ({ ...options, timeout: this.timeoutMs });
    this.xero.openIdClient = client;
    // The SDK refreshes the token set it holds; an access token may not be there yet (first run).
    this.xero.setTokenSet({ access_token: tokens.accessToken ?? '', refresh_token: tokens.refreshToken });
    try {
      const set = await this.xero.refreshToken();
      if (!set.access_token || !set.refresh_token) throw new Error('Xero token refresh returned no token');
      return {
        ...tokens,
        accessToken: set.access_token,
        refreshToken: set.refresh_token,
        // On our clock (openid-client counts on the wall clock): Xero's lifetime from now.
        expiresAt: Math.floor(this.now() / 1000) + (set.expires_in ?? 1800),
      };
    } catch (error) {
      throw refreshError(error);
    }
  }
}

// ---- money ----

/**
 * A Dec as the JS number xero-node's models take, at the last moment: only when the number's
 * shortest text is exactly the decimal (true of any amount under 15 significant digits), so
 * JSON.stringify writes TrueUp's digits. Never arithmetic on it.
 */
export function xeroNumber(value: Dec): number {
  const number = Number(decimalText(value));
  if (!Number.isFinite(number) || !new Dec(String(number)).equals(value))
    throw new Error(`Xero: ${decimalText(value)} cannot be sent exactly as a JSON number`);
  return number;
}

/** A number Xero returned, as the exact decimal it wrote (JSON `1234.57` parses to the double printing `1234.57`). */
function money(value: number | undefined): Dec | undefined {
  return value === undefined ? undefined : new Dec(String(value));
}

/** Each line's tax: taxable lines at the rate, rounded; the rest of TrueUp's tax onto the last taxable line. */
export function spreadTax(doc: BooksInvoice | BooksCreditNote): Dec[] {
  const taxes = doc.lines.map((line) =>
    line.taxable ? roundMoney(line.amount.times(doc.taxRatePercent).dividedBy(100), doc.currency) : ZERO,
  );
  const last = doc.lines.map((line) => line.taxable).lastIndexOf(true);
  if (last < 0) {
    if (!doc.tax.isZero())
      throw new BooksRefused(
        `TrueUp: ${doc.number} has tax ${formatMoney(doc.tax, doc.currency)} but no taxable line; Xero takes tax per line`,
      );
    return taxes;
  }
  taxes[last] = doc.tax.minus(sum(taxes.filter((_, index) => index !== last)));
  return taxes;
}

/**
 * Whether the line can go as its quantity × price: both within Xero's 4 decimals and their
 * product exactly TrueUp's amount, so no rounding rule of Xero's comes into it.
 */
function exactQuantityPrice(line: BooksLine): boolean {
  return (
    line.quantity.decimalPlaces() <= 4 &&
    line.unitPrice.decimalPlaces() <= 4 &&
    line.quantity.times(line.unitPrice).equals(line.amount)
  );
}

// ---- Xero's shapes ----

/** A `where` term on one field, the value quoted as Xero's filter syntax wants. */
function equals(field: string, value: string): string {
  return `${field}=="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The key sent as `Idempotency-Key`: the publisher's, or a hash of it past Xero's 128 characters. */
export function xeroKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `trueup-${createHash('sha256').update(key).digest('hex')}`;
}

function creditNoteRef(note: CreditNote): BooksRef {
  return { externalId: required(note.creditNoteID, 'CreditNoteID'), total: money(note.total) };
}

/** A note that names the invoice it applies to (its Reference) but has no allocation yet. */
function allocationPending(note: CreditNote): boolean {
  return Boolean(note.reference) && String(note.status) === 'AUTHORISED' && nothingApplied(note);
}

/**
 * Whether none of the note is allocated yet: no allocation listed and its remaining credit still
 * its total (RemainingCredit is in every answer; when it is missing, the note counts as applied,
 * so that it is never allocated twice).
 */
function nothingApplied(note: CreditNote): boolean {
  const remaining = money(note.remainingCredit);
  const total = money(note.total);
  return (
    (note.allocations ?? []).length === 0 && remaining !== undefined && total !== undefined && remaining.equals(total)
  );
}

function only<
  T extends { hasErrors?: boolean; hasValidationErrors?: boolean; validationErrors?: { message?: string }[] },
>(list: T[] | undefined, what: string, key: string): T {
  const item = list?.[0];
  if (!item) throw new Error(`Xero returned no ${what} for ${key}`);
  const messages = (item.validationErrors ?? []).map((e) => e.message).filter((m): m is string => Boolean(m));
  if (messages.length) throw new BooksRefused(messages.join('; '));
  return item;
}

function required(value: string | undefined, field: string): string {
  if (!value) throw new Error(`Xero returned no ${field}`);
  return value;
}

/** The status and body of an SDK rejection (xero-node rejects with a JSON string of them). */
function failureOf(error: unknown): XeroFailure | undefined {
  let value: unknown = error;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const response = (
    value as {
      response?: { statusCode?: number; status?: number; body?: unknown; headers?: Record<string, unknown> };
    } | null
  )?.response;
  if (!response || typeof response !== 'object') return undefined;
  return { status: response.statusCode ?? response.status ?? 0, body: response.body, headers: response.headers ?? {} };
}

/** A 429's Retry-After in whole seconds, when it gives one. */
function retryAfterSeconds(headers: Readonly<Record<string, unknown>>): number | undefined {
  const value = headers['retry-after'];
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

const STATUS_HINTS: Readonly<Record<number, string>> = {
  401: ' (the access token was refused after a refresh)',
  403: ' (no access to the organisation: check tenantId, or connect again: trueup accounting connect --system xero)',
  429: ' (rate limit)',
};

function refusalOrError(what: string, error: unknown): Error {
  if (error instanceof BooksRefused) return error;
  const failure = failureOf(error);
  if (!failure) return error instanceof Error ? error : new Error(`Xero ${what} failed`);
  if (failure.status === 400) return new BooksRefused(validationMessages(failure.body));
  const detail =
    failure.status === 0
      ? `no response (${typeof failure.body === 'string' ? failure.body : 'connection lost'})`
      : `HTTP ${failure.status}${STATUS_HINTS[failure.status] ?? ''}`;
  return new Error(`Xero ${what}: ${detail}`);
}

/** Xero's own words: every `Elements[].ValidationErrors[].Message`, else the error's `Message`. */
export function validationMessages(body: unknown): string {
  const error = body as {
    Message?: string;
    Detail?: string;
    Elements?: { ValidationErrors?: { Message?: string }[] }[];
  };
  const messages = (error?.Elements ?? [])
    .flatMap((element) => element.ValidationErrors ?? [])
    .map((v) => v.Message)
    .filter((m): m is string => Boolean(m));
  const unique = [...new Set(messages)];
  return unique.length ? unique.join('; ') : (error?.Message ?? error?.Detail ?? 'Xero refused the request (HTTP 400)');
}

/** A refresh that failed, without any token in the message. */
function refreshError(error: unknown): Error {
  if (error instanceof openIdErrors.OPError && error.error === 'invalid_grant')
    return new Error(
      'Xero refused the refresh token (invalid_grant): the connection must be made again: trueup accounting connect --system xero',
    );
  if (error instanceof openIdErrors.OPError) return new Error(`Xero token refresh refused: ${error.error}`);
  return new Error(`Xero token refresh failed: ${error instanceof Error ? error.message : 'no response'}`);
}

/** The promise, or a timeout error after `ms` (the SDK's requests have no timeout of their own). */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no response within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
