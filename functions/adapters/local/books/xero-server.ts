/**
 * The local Xero stand-in (docs/xero.md): the identity token endpoint and the part of the
 * Accounting API (api.xro/2.0) that TrueUp's Xero adapter calls, on 127.0.0.1, in Xero's shapes
 * (github.com/XeroAPI/Xero-OpenAPI, xero_accounting.yaml): PascalCase JSON, `/Date(ms+0000)/`
 * dates, a `ValidationException` with `Elements[].ValidationErrors[].Message` for a refusal.
 * The real adapter (xero-node) is pointed at it. State is in memory; ids come from counters, so a
 * run is deterministic.
 *
 * Money is exact: amounts are read from the JSON text as written and computed with Dec, the way
 * Xero computes them: a line is Quantity × UnitAmount rounded to the currency's minor unit, its
 * tax the TaxAmount sent (else LineAmount × the tax type's rate, rounded), totals their sums.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccountingSystem, BooksTokenStore, BooksTokens } from '../../../app/books-ports.js';
import { xeroAccountingSystem } from '../../books/xero.js';
import { Dec, ZERO, decimalText, roundHalfAway, roundMoney, sum } from '../../../domain/money.js';

export interface LocalXeroAccount {
  readonly code: string;
  readonly name: string;
  readonly type: 'BANK' | 'CURRENT' | 'CURRLIAB' | 'REVENUE' | 'SALES' | 'OTHERINCOME' | 'EXPENSE';
  /** Xero's "Enable payments to this account" (always true for a BANK account). */
  readonly enablePayments?: boolean;
}

export interface LocalXeroOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly tenantId?: string;
  /** The chart of accounts; default: TrueUp's default chart (docs/accounting.md) and a bank account 090. */
  readonly accounts?: readonly LocalXeroAccount[];
  /** Tax types and their rate in percent, used when a line sends no TaxAmount. Default OUTPUT 10, NONE 0. */
  readonly taxRates?: Readonly<Record<string, string>>;
  /** How long an access token lives (Xero: 30 minutes). */
  readonly accessTokenSeconds?: number;
  /** The clock, epoch ms. */
  readonly now?: () => number;
}

/** Switches tests turn on to make the next request(s) fail the way Xero or the network can. */
export interface LocalXeroFaults {
  /** The next API write is applied, then its response is lost: the socket is cut (or held until close with `hang`). */
  dropNextResponse(options?: { hang?: boolean }): void;
  /** Every access token issued so far stops working (as when 30 minutes have passed): the next call gets 401. */
  expireAccessTokens(): void;
  /** The next API write is refused with a 400 ValidationException carrying `message`. */
  refuseNextWrite(message: string): void;
  /** The next `times` API requests get 429 Too Many Requests with `Retry-After` (default: once, the minute limit, 1 s). */
  rateLimitNext(options?: { times?: number; retryAfterSeconds?: number }): void;
  /** The next API request gets 503 Service Unavailable. */
  failNext(): void;
}

/** What the books hold, for tests: amounts as exact decimal text. */
export interface LocalXeroState {
  readonly contacts: readonly { id: string; number: string; name: string; email?: string; currency?: string }[];
  readonly invoices: readonly LocalXeroDocumentState[];
  readonly creditNotes: readonly (LocalXeroDocumentState & {
    remainingCredit: string;
    allocations: readonly { invoiceId: string; amount: string; date: string }[];
  })[];
  readonly payments: readonly {
    id: string;
    invoiceId: string;
    reference: string;
    amount: string;
    date: string;
    accountCode: string;
  }[];
  /** How many times a write was answered from the Idempotency-Key cache. */
  readonly replays: number;
  /** Every request received: method, path (no query), the status answered and the Idempotency-Key sent. */
  readonly requests: readonly { method: string; path: string; status: number; idempotencyKey?: string }[];
}

export interface LocalXeroDocumentState {
  readonly id: string;
  readonly number: string;
  readonly contactId: string;
  readonly status: string;
  readonly currency: string;
  readonly subTotal: string;
  readonly totalTax: string;
  readonly total: string;
  readonly amountDue?: string;
  readonly lines: readonly {
    description: string;
    quantity: string;
    unitAmount: string;
    lineAmount: string;
    taxAmount: string;
    accountCode: string;
    taxType: string;
  }[];
}

export interface LocalXero {
  /** `http://127.0.0.1:<port>`: both the identity URL and the API URL of the adapter. */
  readonly url: string;
  /** The connection as `trueup accounting connect` would store it: a valid refresh token, no access token yet. */
  readonly tokens: BooksTokens;
  readonly faults: LocalXeroFaults;
  state(): LocalXeroState;
  close(): Promise<void>;
}

/** TrueUp's default chart (docs/accounting.md) in Xero's terms, and a bank account. */
const DEFAULT_ACCOUNTS: readonly LocalXeroAccount[] = [
  { code: '090', name: 'Business Bank Account', type: 'BANK' },
  { code: '1250', name: 'Undeposited Funds', type: 'CURRENT', enablePayments: true },
  { code: '2310', name: 'Client Credit', type: 'CURRLIAB' },
  { code: '4000', name: 'Sales', type: 'SALES' },
  { code: '4100', name: 'Licensing', type: 'REVENUE' },
  { code: '4200', name: 'Managed Services', type: 'REVENUE' },
  { code: '4900', name: 'Late Fee Income', type: 'OTHERINCOME' },
  { code: '4910', name: 'Card Surcharge Income', type: 'OTHERINCOME' },
];

const API = '/api.xro/2.0';
const TOKEN_PATH = '/connect/token';

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startLocalXero(options: LocalXeroOptions = {}): Promise<LocalXero> {
  const stand = new XeroStandIn(options);
  const server = createServer((req, res) => void stand.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokens: stand.initialTokens(),
    faults: stand.faults,
    state: () => stand.state(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The real Xero adapter pointed at a running stand-in, its tokens in memory (the local runtime's
 * wiring, decision 11: `Deps.books = { system: localXeroSystem(await startLocalXero()) }`).
 */
export function localXeroSystem(
  local: LocalXero,
  store: BooksTokenStore = memoryTokenStore(local.tokens),
): AccountingSystem {
  return xeroAccountingSystem({ tokens: store, identityUrl: local.url, apiUrl: local.url });
}

/** A BooksTokenStore in memory (tests and the local runtime): every write is kept, newest last. */
export function memoryTokenStore(initial: BooksTokens): BooksTokenStore & { readonly writes: BooksTokens[] } {
  let current = initial;
  const writes: BooksTokens[] = [];
  return {
    writes,
    read: () => Promise.resolve(current),
    write: (tokens) => {
      current = tokens;
      writes.push(tokens);
      return Promise.resolve();
    },
  };
}

type Json = Record<string, unknown>;

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/** A refusal of the API: answered as is (a 400 ValidationException, a 404, …). */
class XeroFailure extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

interface Line {
  description: string;
  quantity: Dec;
  unitAmount: Dec;
  lineAmount: Dec;
  taxAmount: Dec;
  accountCode: string;
  taxType: string;
}

interface Doc {
  id: string;
  type: 'ACCREC' | 'ACCRECCREDIT';
  number: string;
  contactId: string;
  date: string;
  dueDate?: string;
  reference?: string;
  status: string;
  currency: string;
  lines: Line[];
  subTotal: Dec;
  totalTax: Dec;
  total: Dec;
  /** Invoices: paid and credited so far. Credit notes: allocated so far. */
  settled: Dec;
  allocations: { invoiceId: string; amount: Dec; date: string }[];
}

interface Contact {
  id: string;
  number: string;
  name: string;
  email?: string;
  currency?: string;
}

interface PaymentRecord {
  id: string;
  invoiceId: string;
  reference: string;
  amount: Dec;
  date: string;
  accountCode: string;
}

/** A Dec written into JSON as a bare number token with every digit it has (Xero writes `40.00`). */
const NUMBER_MARK = '\uE000num:'; // a private-use character: JSON.stringify leaves it as is
const num = (value: Dec, places = 2): string => `${NUMBER_MARK}${decimalText(value, places)}`;
const toJson = (body: unknown): string =>
  JSON.stringify(body).replace(new RegExp(`"${NUMBER_MARK}(-?[0-9.]+)"`, 'g'), '$1');

class XeroStandIn {
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly tenantId: string;
  private readonly accounts: readonly LocalXeroAccount[];
  private readonly taxRates: Readonly<Record<string, string>>;
  private readonly accessTokenSeconds: number;
  private readonly now: () => number;
  private readonly counters = new Map<string, number>();
  private readonly accessTokens = new Map<string, number>();
  private refreshToken: string;
  private readonly contacts: Contact[] = [];
  private readonly docs: Doc[] = [];
  private readonly payments: PaymentRecord[] = [];
  private readonly idempotent = new Map<string, Reply>();
  private readonly log: { method: string; path: string; status: number; idempotencyKey?: string }[] = [];
  private replays = 0;
  private drop: { hang: boolean } | undefined;
  private refuseMessage: string | undefined;
  private rateLimited: { times: number; retryAfter: number } | undefined;
  private failing = false;

  readonly faults: LocalXeroFaults = {
    dropNextResponse: (options) => {
      this.drop = { hang: options?.hang ?? false };
    },
    expireAccessTokens: () => this.accessTokens.clear(),
    refuseNextWrite: (message) => {
      this.refuseMessage = message;
    },
    rateLimitNext: (options) => {
      this.rateLimited = { times: options?.times ?? 1, retryAfter: options?.retryAfterSeconds ?? 1 };
    },
    failNext: () => {
      this.failing = true;
    },
  };

  constructor(options: LocalXeroOptions) {
    this.clientId = options.clientId ?? 'local-xero-client';
    this.clientSecret = options.clientSecret ?? 'local-xero-secret';
    this.tenantId = options.tenantId ?? '00000000-0000-4000-8000-00000000a001';
    this.accounts = options.accounts ?? DEFAULT_ACCOUNTS;
    this.taxRates = options.taxRates ?? { OUTPUT: '10', NONE: '0' };
    this.accessTokenSeconds = options.accessTokenSeconds ?? 1800;
    this.now = options.now ?? Date.now;
    this.refreshToken = this.nextId('refresh-token');
  }

  initialTokens(): BooksTokens {
    return {
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      refreshToken: this.refreshToken,
      tenantId: this.tenantId,
    };
  }

  state(): LocalXeroState {
    const docState = (doc: Doc): LocalXeroDocumentState => ({
      id: doc.id,
      number: doc.number,
      contactId: doc.contactId,
      status: doc.status,
      currency: doc.currency,
      subTotal: decimalText(doc.subTotal),
      totalTax: decimalText(doc.totalTax),
      total: decimalText(doc.total),
      ...(doc.type === 'ACCREC' ? { amountDue: decimalText(doc.total.minus(doc.settled)) } : {}),
      lines: doc.lines.map((line) => ({
        description: line.description,
        quantity: decimalText(line.quantity),
        unitAmount: decimalText(line.unitAmount),
        lineAmount: decimalText(line.lineAmount),
        taxAmount: decimalText(line.taxAmount),
        accountCode: line.accountCode,
        taxType: line.taxType,
      })),
    });
    return {
      contacts: this.contacts.map((contact) => ({ ...contact })),
      invoices: this.docs.filter((doc) => doc.type === 'ACCREC').map(docState),
      creditNotes: this.docs
        .filter((doc) => doc.type === 'ACCRECCREDIT')
        .map((doc) => ({
          ...docState(doc),
          remainingCredit: decimalText(doc.total.minus(doc.settled)),
          allocations: doc.allocations.map((a) => ({ ...a, amount: decimalText(a.amount) })),
        })),
      payments: this.payments.map((payment) => ({ ...payment, amount: decimalText(payment.amount) })),
      replays: this.replays,
      requests: [...this.log],
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    let reply: Reply;
    try {
      reply = url.pathname === TOKEN_PATH ? this.token(req, body) : this.api(req, url, body);
    } catch (error) {
      reply = error instanceof XeroFailure ? error.reply : { status: 500, body: { Message: String(error) } };
    }
    const key = header(req, 'idempotency-key');
    this.log.push({
      method: req.method ?? '',
      path: url.pathname,
      status: reply.status,
      ...(key ? { idempotencyKey: key } : {}),
    });
    if (this.drop && url.pathname.startsWith(API) && req.method !== 'GET') {
      const { hang } = this.drop;
      this.drop = undefined;
      if (!hang) res.socket?.destroy();
      return; // applied, never answered: the client times out
    }
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
    res.end(toJson(reply.body));
  }

  // ---- identity: POST /connect/token (refresh_token grant) ----

  private token(req: IncomingMessage, body: string): Reply {
    if (req.method !== 'POST') throw new XeroFailure({ status: 405, body: { error: 'invalid_request' } });
    const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      throw new XeroFailure({ status: 400, body: { error: 'invalid_client' } });
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'refresh_token')
      throw new XeroFailure({ status: 400, body: { error: 'unsupported_grant_type' } });
    if (form.get('refresh_token') !== this.refreshToken)
      throw new XeroFailure({ status: 400, body: { error: 'invalid_grant' } });
    this.refreshToken = this.nextId('refresh-token'); // rotation: the old one stops working now
    const accessToken = this.nextId('access-token');
    this.accessTokens.set(accessToken, this.now() + this.accessTokenSeconds * 1000);
    return {
      status: 200,
      body: {
        access_token: accessToken,
        expires_in: this.accessTokenSeconds,
        token_type: 'Bearer',
        refresh_token: this.refreshToken,
        scope: 'offline_access accounting.transactions accounting.contacts accounting.settings.read',
      },
    };
  }

  // ---- the Accounting API ----

  private api(req: IncomingMessage, url: URL, body: string): Reply {
    if (!url.pathname.startsWith(`${API}/`)) throw notFound();
    this.authorize(req);
    this.injectedFailure();
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(API.length);
    if (method === 'GET') return ok(this.read(path, url.searchParams));
    if (method !== 'PUT' && method !== 'POST') throw notFound();
    const key = header(req, 'idempotency-key');
    const cacheKey = key === undefined ? undefined : `${method} ${path} ${key}`;
    const cached = cacheKey === undefined ? undefined : this.idempotent.get(cacheKey);
    if (cached) {
      this.replays += 1;
      return cached;
    }
    const reply = ok(this.write(path, url.searchParams, parseJson(body)));
    if (cacheKey !== undefined) this.idempotent.set(cacheKey, reply); // only a success is kept
    return reply;
  }

  /** A 429 (Xero's limit problem header and Retry-After) or a 503 the tests asked for. */
  private injectedFailure(): void {
    const limited = this.rateLimited;
    if (limited) {
      limited.times -= 1;
      if (limited.times <= 0) this.rateLimited = undefined;
      throw new XeroFailure({
        status: 429,
        body: {},
        headers: {
          'retry-after': String(limited.retryAfter),
          'x-rate-limit-problem': limited.retryAfter > 60 ? 'day' : 'minute',
        },
      });
    }
    if (this.failing) {
      this.failing = false;
      throw new XeroFailure({ status: 503, body: { Title: 'Service Unavailable', Status: 503 } });
    }
  }

  private authorize(req: IncomingMessage): void {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : this.accessTokens.get(token);
    if (expiresAt === undefined || expiresAt <= this.now())
      throw new XeroFailure({
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        body: { Type: null, Title: 'Unauthorized', Status: 401, Detail: 'TokenExpired: token expired', Extensions: {} },
      });
    if (header(req, 'xero-tenant-id') !== this.tenantId)
      throw new XeroFailure({
        status: 403,
        body: { Type: null, Title: 'Forbidden', Status: 403, Detail: 'AuthenticationUnsuccessful', Extensions: {} },
      });
  }

  private read(path: string, query: URLSearchParams): Json {
    const where = parseWhere(query.get('where'));
    const matches = (fields: Record<string, string | undefined>) =>
      where.every(([field, value]) => fields[field] === value);
    switch (path) {
      case '/Contacts':
        return {
          Contacts: this.contacts
            .filter((c) => matches({ ContactNumber: c.number, Name: c.name }))
            .map((c) => this.contactJson(c)),
        };
      case '/Invoices': {
        const numbers = query.get('InvoiceNumbers')?.split(',');
        return {
          Invoices: this.docsOf('ACCREC')
            .filter((doc) => (numbers ? numbers.includes(doc.number) : true))
            .filter((doc) => matches({ InvoiceNumber: doc.number, Reference: doc.reference }))
            .map((doc) => this.docJson(doc)),
        };
      }
      case '/CreditNotes':
        return {
          CreditNotes: this.docsOf('ACCRECCREDIT')
            .filter((doc) => matches({ CreditNoteNumber: doc.number, Reference: doc.reference }))
            .map((doc) => this.docJson(doc)),
        };
      case '/Payments':
        return {
          Payments: this.payments
            .filter((p) => matches({ Reference: p.reference }))
            .map((payment) => this.paymentJson(payment)),
        };
      case '/Accounts':
        return {
          Accounts: this.accounts
            .filter((a) => matches({ Name: a.name, Code: a.code }))
            .map((a) => ({
              AccountID: `acc-${a.code}`,
              Code: a.code,
              Name: a.name,
              Type: a.type,
              Status: 'ACTIVE',
              EnablePaymentsToAccount: a.type === 'BANK' || a.enablePayments === true,
            })),
        };
      default:
        throw notFound();
    }
  }

  private write(path: string, query: URLSearchParams, body: Json): Json {
    if (this.refuseMessage !== undefined) {
      const message = this.refuseMessage;
      this.refuseMessage = undefined;
      throw validation(body, [message]);
    }
    const unitPlaces = query.get('unitdp') === '4' ? 4 : 2;
    if (path === '/Contacts') return { Contacts: items(body, 'Contacts').map((c) => this.createContact(c)) };
    if (path === '/Invoices')
      return { Invoices: items(body, 'Invoices').map((doc) => this.createDoc(doc, 'ACCREC', unitPlaces)) };
    if (path === '/CreditNotes')
      return {
        CreditNotes: items(body, 'CreditNotes').map((doc) => this.createDoc(doc, 'ACCRECCREDIT', unitPlaces)),
      };
    if (path === '/Payments') return { Payments: items(body, 'Payments').map((p) => this.createPayment(p)) };
    const allocation = /^\/CreditNotes\/([^/]+)\/Allocations$/.exec(path);
    if (allocation) {
      const note = this.docs.find((doc) => doc.id === decodeURIComponent(allocation[1] ?? ''));
      if (!note || note.type !== 'ACCRECCREDIT') throw notFound();
      return { Allocations: items(body, 'Allocations').map((a) => this.allocate(note, a)) };
    }
    throw notFound();
  }

  private createContact(input: Json): Json {
    const name = text(input.Name).trim();
    if (!name) throw validation(input, ['The contact name must be specified.']);
    if (this.contacts.some((c) => c.name.toLowerCase() === name.toLowerCase()))
      throw validation(input, [
        `The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`,
      ]);
    const contact: Contact = {
      id: this.nextId('contact'),
      number: text(input.ContactNumber),
      name,
      ...(input.EmailAddress ? { email: text(input.EmailAddress) } : {}),
      ...(input.DefaultCurrency ? { currency: text(input.DefaultCurrency) } : {}),
    };
    this.contacts.push(contact);
    return this.contactJson(contact);
  }

  private createDoc(input: Json, type: Doc['type'], unitPlaces: number): Json {
    const numberField = type === 'ACCREC' ? 'InvoiceNumber' : 'CreditNoteNumber';
    const number = text(input[numberField]);
    const currency = text(input.CurrencyCode) || 'USD';
    const contactId = text((input.Contact as Json | undefined)?.ContactID);
    const errors: string[] = [];
    if (input.Type !== type) errors.push(`Type must be ${type}.`);
    if (!this.contacts.some((c) => c.id === contactId))
      errors.push(
        'The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber',
      );
    if (this.docsOf(type).some((doc) => doc.number === number))
      errors.push(type === 'ACCREC' ? 'Invoice # must be unique.' : 'Credit Note # must be unique.');
    if (input.LineAmountTypes !== 'Exclusive') errors.push('The stand-in takes LineAmountTypes Exclusive only.');
    if (!text(input.Date)) errors.push('Date cannot be empty.');
    const rawLines = Array.isArray(input.LineItems) ? (input.LineItems as Json[]) : [];
    if (rawLines.length === 0) errors.push('At least one line item is required.');
    const lines = rawLines.map((line) => this.line(line, currency, unitPlaces, errors));
    if (errors.length) throw validation(input, errors);
    const subTotal = sum(lines.map((l) => l.lineAmount));
    const totalTax = sum(lines.map((l) => l.taxAmount));
    const doc: Doc = {
      id: this.nextId(type === 'ACCREC' ? 'invoice' : 'credit-note'),
      type,
      number,
      contactId,
      date: text(input.Date),
      ...(input.DueDate ? { dueDate: text(input.DueDate) } : {}),
      ...(input.Reference ? { reference: text(input.Reference) } : {}),
      status: text(input.Status) || 'DRAFT',
      currency,
      lines,
      subTotal,
      totalTax,
      total: subTotal.plus(totalTax),
      settled: ZERO,
      allocations: [],
    };
    this.docs.push(doc);
    return this.docJson(doc);
  }

  /** One line as Xero computes it: Quantity 4 dp, UnitAmount `unitdp`, LineAmount = Q × U rounded. */
  private line(input: Json, currency: string, unitPlaces: number, errors: string[]): Line {
    const accountCode = text(input.AccountCode);
    if (!this.accounts.some((a) => a.code === accountCode))
      errors.push(`Account code '${accountCode}' is not a valid code for this document.`);
    const taxType = text(input.TaxType) || 'NONE';
    const rate = this.taxRates[taxType];
    if (rate === undefined)
      errors.push(`The TaxType code '${taxType}' does not exist or cannot be used for this type of transaction.`);
    const quantity = roundHalfAway(decimal(input.Quantity) ?? new Dec(1), 4);
    const unitAmount = decimal(input.UnitAmount);
    const sentLineAmount = decimal(input.LineAmount);
    const lineAmount =
      unitAmount !== undefined
        ? roundMoney(quantity.times(roundHalfAway(unitAmount, unitPlaces)), currency)
        : roundMoney(sentLineAmount ?? ZERO, currency);
    const sentTax = decimal(input.TaxAmount);
    const taxAmount = roundMoney(sentTax ?? lineAmount.times(new Dec(rate ?? '0')).dividedBy(100), currency);
    return {
      description: text(input.Description),
      quantity,
      unitAmount: unitAmount === undefined ? lineAmount.dividedBy(quantity) : roundHalfAway(unitAmount, unitPlaces),
      lineAmount,
      taxAmount,
      accountCode,
      taxType,
    };
  }

  private allocate(note: Doc, input: Json): Json {
    const invoice = this.docs.find((doc) => doc.id === text((input.Invoice as Json | undefined)?.InvoiceID));
    const amount = decimal(input.Amount) ?? ZERO;
    const errors: string[] = [];
    if (!invoice || invoice.type !== 'ACCREC') errors.push('Invoice could not be found.');
    else if (amount.greaterThan(invoice.total.minus(invoice.settled)))
      errors.push('The amount allocated cannot be more than the amount due on the invoice.');
    if (note.status !== 'AUTHORISED') errors.push('Credit note must be AUTHORISED to be allocated.');
    if (amount.greaterThan(note.total.minus(note.settled)))
      errors.push('The amount allocated cannot be more than the remaining credit.');
    if (!amount.greaterThan(0)) errors.push('Amount must be greater than zero.');
    if (errors.length || !invoice) throw validation(input, errors);
    const date = text(input.Date);
    note.allocations.push({ invoiceId: invoice.id, amount, date });
    note.settled = note.settled.plus(amount);
    invoice.settled = invoice.settled.plus(amount);
    if (note.settled.equals(note.total)) note.status = 'PAID';
    if (invoice.settled.equals(invoice.total)) invoice.status = 'PAID';
    return {
      Amount: num(amount),
      Date: msDate(date),
      Invoice: { InvoiceID: invoice.id, InvoiceNumber: invoice.number },
      CreditNote: { CreditNoteID: note.id, CreditNoteNumber: note.number },
    };
  }

  private createPayment(input: Json): Json {
    const invoice = this.docs.find((doc) => doc.id === text((input.Invoice as Json | undefined)?.InvoiceID));
    const code = text((input.Account as Json | undefined)?.Code);
    const account = this.accounts.find((a) => a.code === code);
    const amount = decimal(input.Amount) ?? ZERO;
    const errors: string[] = [];
    if (!account) errors.push(`Account code '${code}' is not a valid code for this document.`);
    else if (account.type !== 'BANK' && account.enablePayments !== true)
      errors.push('Payments can only be made to bank accounts or accounts with "Enable payments" ticked.');
    if (!invoice || invoice.type !== 'ACCREC') errors.push('Invoice could not be found.');
    else if (invoice.status !== 'AUTHORISED') errors.push('Invoice not of valid status for modification');
    else if (amount.greaterThan(invoice.total.minus(invoice.settled)))
      errors.push('Payment amount exceeds the amount outstanding on this document');
    if (!amount.greaterThan(0)) errors.push('Payment amount must be greater than zero.');
    if (errors.length || !invoice) throw validation(input, errors);
    const payment: PaymentRecord = {
      id: this.nextId('payment'),
      invoiceId: invoice.id,
      reference: text(input.Reference),
      amount,
      date: text(input.Date),
      accountCode: code,
    };
    this.payments.push(payment);
    invoice.settled = invoice.settled.plus(amount);
    if (invoice.settled.equals(invoice.total)) invoice.status = 'PAID';
    return this.paymentJson(payment);
  }

  // ---- JSON in Xero's shapes ----

  private contactJson(contact: Contact): Json {
    return {
      ContactID: contact.id,
      ContactNumber: contact.number,
      ContactStatus: 'ACTIVE',
      Name: contact.name,
      ...(contact.email ? { EmailAddress: contact.email } : {}),
      ...(contact.currency ? { DefaultCurrency: contact.currency } : {}),
      IsCustomer: true,
      HasValidationErrors: false,
    };
  }

  private docJson(doc: Doc): Json {
    const invoice = doc.type === 'ACCREC';
    const contact = this.contacts.find((c) => c.id === doc.contactId);
    return {
      Type: doc.type,
      [invoice ? 'InvoiceID' : 'CreditNoteID']: doc.id,
      [invoice ? 'InvoiceNumber' : 'CreditNoteNumber']: doc.number,
      ...(doc.reference ? { Reference: doc.reference } : {}),
      Contact: { ContactID: doc.contactId, Name: contact?.name },
      DateString: `${doc.date}T00:00:00`,
      Date: msDate(doc.date),
      ...(doc.dueDate ? { DueDateString: `${doc.dueDate}T00:00:00`, DueDate: msDate(doc.dueDate) } : {}),
      Status: doc.status,
      LineAmountTypes: 'Exclusive',
      LineItems: doc.lines.map((line, index) => ({
        LineItemID: `${doc.id.slice(0, 24)}${String(index + 1).padStart(12, '0')}`,
        Description: line.description,
        Quantity: num(line.quantity, 4),
        UnitAmount: num(line.unitAmount, 4),
        LineAmount: num(line.lineAmount),
        TaxAmount: num(line.taxAmount),
        AccountCode: line.accountCode,
        TaxType: line.taxType,
      })),
      SubTotal: num(doc.subTotal),
      TotalTax: num(doc.totalTax),
      Total: num(doc.total),
      CurrencyCode: doc.currency,
      CurrencyRate: num(new Dec(1), 6),
      ...(invoice
        ? { AmountDue: num(doc.total.minus(doc.settled)), AmountPaid: num(this.paidOn(doc)) }
        : {
            RemainingCredit: num(doc.total.minus(doc.settled)),
            Allocations: doc.allocations.map((a) => ({
              Amount: num(a.amount),
              Date: msDate(a.date),
              Invoice: { InvoiceID: a.invoiceId },
            })),
          }),
      HasErrors: false,
      StatusAttributeString: 'OK',
    };
  }

  private paymentJson(payment: PaymentRecord): Json {
    const invoice = this.docs.find((doc) => doc.id === payment.invoiceId);
    return {
      PaymentID: payment.id,
      Date: msDate(payment.date),
      Amount: num(payment.amount),
      Reference: payment.reference,
      Status: 'AUTHORISED',
      PaymentType: 'ACCRECPAYMENT',
      Account: { AccountID: `acc-${payment.accountCode}`, Code: payment.accountCode },
      Invoice: { InvoiceID: payment.invoiceId, InvoiceNumber: invoice?.number, Type: 'ACCREC' },
      HasValidationErrors: false,
    };
  }

  private paidOn(invoice: Doc): Dec {
    return sum(this.payments.filter((p) => p.invoiceId === invoice.id).map((p) => p.amount));
  }

  private docsOf(type: Doc['type']): Doc[] {
    return this.docs.filter((doc) => doc.type === type);
  }

  /** A deterministic id per kind: the kind's number, then a counter (UUID-shaped, as Xero's). */
  private nextId(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const kinds = ['contact', 'invoice', 'credit-note', 'payment', 'access-token', 'refresh-token'];
    const prefix = String(kinds.indexOf(kind) + 1).padStart(8, '0');
    return `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
  }
}

const ok = (body: Json): Reply => ({
  status: 200,
  body: { Id: '00000000-0000-4000-8000-000000000000', Status: 'OK', ProviderName: 'TrueUp local Xero', ...body },
});

const notFound = (): XeroFailure =>
  new XeroFailure({
    status: 404,
    body: { Title: 'Not Found', Status: 404, Detail: "The resource you're looking for cannot be found" },
  });

/** Xero's refusal: 400, `ValidationException`, the element sent back with its ValidationErrors. */
function validation(element: Json, messages: readonly string[]): XeroFailure {
  return new XeroFailure({
    status: 400,
    body: {
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: [{ ...stripNumbers(element), ValidationErrors: messages.map((Message) => ({ Message })) }],
    },
  });
}

/** The element echoed back without its raw numbers (they were parsed into exact decimals). */
function stripNumbers(element: Json): Json {
  return Object.fromEntries(Object.entries(element).filter(([, value]) => typeof value === 'string'));
}

/** The `where` filters the adapter sends: `Field=="value"` terms joined by AND / &&. */
function parseWhere(where: string | null): [string, string][] {
  if (!where) return [];
  return where.split(/\s+(?:AND|&&)\s+/i).map((term) => {
    const match = /^\s*(\w+)\s*==\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(term);
    if (!match)
      throw new XeroFailure({
        status: 400,
        body: { Type: 'QueryParseException', Message: `Cannot parse where: ${term}` },
      });
    return [match[1] ?? '', (match[2] ?? '').replace(/\\(.)/g, '$1')];
  });
}

/** The items of a create: `{ "Invoices": [...] }`, or one bare object (xero-node's createPayment sends one). */
function items(body: Json, key: string): Json[] {
  const list = body[key];
  return Array.isArray(list) ? (list as Json[]) : [body];
}

/** JSON with every number kept as its exact text (so 0.1 + 0.2 is never a float here). */
function parseJson(body: string): Json {
  let out = '';
  let inString = false;
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i] ?? '';
    if (inString) {
      out += ch;
      if (ch === '\\') out += body[++i] ?? '';
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (/[-\d]/.test(ch)) {
      const token = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(body.slice(i))?.[0] ?? ch;
      out += JSON.stringify(`${NUMBER_MARK}${token}`);
      i += token.length - 1;
    } else out += ch;
  }
  return (out.trim() ? JSON.parse(out) : {}) as Json;
}

function decimal(value: unknown): Dec | undefined {
  if (typeof value === 'string' && value.startsWith(NUMBER_MARK)) return new Dec(value.slice(NUMBER_MARK.length));
  if (typeof value === 'number') return new Dec(String(value));
  return undefined;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value.startsWith(NUMBER_MARK) ? value.slice(NUMBER_MARK.length) : value;
  return value === undefined || value === null ? '' : String(value as string | number | boolean);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Xero's JSON date: `/Date(1552262400000+0000)/` for a YYYY-MM-DD day. */
function msDate(day: string): string {
  return `/Date(${Date.parse(`${day.slice(0, 10)}T00:00:00Z`)}+0000)/`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
