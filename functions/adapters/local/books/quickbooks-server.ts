/**
 * A local stand-in of QuickBooks Online for the endpoints the adapter uses
 * (functions/adapters/books/quickbooks.ts), on 127.0.0.1, in QuickBooks' own JSON shapes:
 *
 * - `POST /oauth2/v1/tokens/bearer` — Intuit's token endpoint, `refresh_token` grant only,
 *   Basic client credentials; each refresh rotates the refresh token (the old one is refused,
 *   400 `invalid_grant`) and issues a new access token.
 * - `GET /v3/company/<realmId>/query?query=…` — `select * from <Entity>` with an optional
 *   `where <Field> = '…'` or `like '%…'` and `maxresults N`, answered as `{"QueryResponse":…}`.
 * - `POST /v3/company/<realmId>/{customer,item,invoice,creditmemo,payment}` — creates, answered
 *   `{"<Entity>":{…,"Id","SyncToken",…},"time":…}`. A repeated `requestid` gets the first
 *   (successful) answer again and creates nothing. Refusals are `{"Fault":{"Error":[{"Message",
 *   "Detail","code","element"}],"type":"ValidationFault"}}` with QuickBooks' codes: 6140 duplicate
 *   DocNumber, 6240 duplicate name, 2500 invalid reference, 2050 string too long.
 *
 * A missing or expired Bearer token is a 401 `AuthenticationFailed` fault; another company's
 * realmId a 403. Fault switches (`faults`) inject a dropped response after the create was applied
 * (a timeout), expired access tokens, a refusal, a 429 and a recomputed tax. Ids are sequential
 * per entity, so `state()` is deterministic.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { BooksTokens } from '../../../app/books-ports.js';
import { Dec, sum } from '../../../domain/money.js';

export const LOCAL_QBO_TOKEN_PATH = '/oauth2/v1/tokens/bearer';

export interface LocalQboAccount {
  readonly Name: string;
  readonly AcctNum?: string;
  readonly AccountType: string;
}

export interface LocalQuickBooksOptions {
  readonly realmId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The company's chart of accounts (default: TrueUp's default chart, docs/accounting.md). */
  readonly accounts?: readonly LocalQboAccount[];
  /** Lifetime of an access token, seconds (Intuit's: 3600). */
  readonly accessTokenTtlSeconds?: number;
  /** The clock, epoch ms (token expiry, `MetaData`, `time`). */
  readonly now?: () => number;
}

/**
 * A chart for the stand-in from accounts named as TrueUp names them (`4100 Licensing`): the first
 * word is the `AcctNum` when it has a digit, the rest the `Name` (as the adapter looks them up).
 * The type follows the number's first digit (1 asset, 2 liability, 4 income, other expense).
 */
export function qboChartOf(accounts: readonly string[]): LocalQboAccount[] {
  const seen = new Set<string>();
  return accounts.flatMap((account) => {
    const [first = '', ...rest] = account.trim().split(/\s+/);
    const code = /\d/.test(first) ? first : undefined;
    const name = code === undefined ? account.trim() : rest.join(' ');
    if (seen.has(name)) return [];
    seen.add(name);
    return [{ Name: name, ...(code === undefined ? {} : { AcctNum: code }), AccountType: accountType(code) }];
  });
}

function accountType(code: string | undefined): string {
  const kinds: Record<string, string> = { '1': 'Other Current Asset', '2': 'Other Current Liability', '4': 'Income' };
  return kinds[code?.[0] ?? '4'] ?? 'Expense';
}

/** TrueUp's default chart (docs/accounting.md). */
export const DEFAULT_QBO_ACCOUNTS: readonly LocalQboAccount[] = qboChartOf([
  '1200 Accounts Receivable',
  '1250 Undeposited Funds',
  '2200 Sales Tax Payable',
  '2300 Unapplied Cash',
  '2310 Client Credit',
  '4000 Sales',
  '4900 Late Fee Income',
  '4910 Card Surcharge Income',
  '6100 Payment Processing Fees',
]);

type Json = Record<string, unknown>;

export interface LocalQuickBooksState {
  readonly customers: Json[];
  readonly items: Json[];
  readonly accounts: Json[];
  readonly invoices: Json[];
  readonly creditMemos: Json[];
  readonly payments: Json[];
  /** The refresh token the stand-in accepts now, and how many refreshes it answered. */
  readonly refreshToken: string;
  readonly refreshes: number;
}

export interface LocalQuickBooksFaults {
  /** The next create (of `entity`, default any) is applied, then its connection is dropped unanswered (a timeout). */
  dropNextCreateResponse(entity?: string): void;
  /** The same, but the connection is left open and never answered (the client's timeout fires). */
  hangNextCreateResponse(entity?: string): void;
  /** Every access token issued so far stops working (401 until the client refreshes). */
  expireAccessTokens(): void;
  /** The next create is refused (ValidationFault 6000) with this message; nothing is created. */
  refuseNextCreate(message: string): void;
  /** The next API call is answered 429 (throttled). */
  throttleNextCall(): void;
  /** The next API call is answered with this status (500, 503): QuickBooks' side failed. */
  failNextCall(status: number): void;
  /** The next `count` API calls are refused 401, whatever their token. */
  unauthorizeNextCalls(count: number): void;
  /** The next invoice or credit memo gets this tax instead of the one sent (automated sales tax). */
  overrideNextTax(tax: string): void;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  /** The `requestid` query parameter of a create. */
  readonly requestId: string | null;
  readonly host: string;
  readonly remoteAddress: string;
}

export interface LocalQuickBooks {
  /** The API origin, `http://127.0.0.1:<port>` (the adapter's `apiBaseUrl`). */
  readonly url: string;
  /** Its token endpoint (the adapter's `tokenEndpoint`). */
  readonly tokenEndpoint: string;
  /** A connection as `trueup accounting connect` would leave it: a valid access token and its refresh token. */
  readonly tokens: BooksTokens;
  state(): LocalQuickBooksState;
  requests(): readonly LoggedRequest[];
  readonly faults: LocalQuickBooksFaults;
  close(): Promise<void>;
}

const ENTITIES = ['Customer', 'Item', 'Account', 'Invoice', 'CreditMemo', 'Payment'] as const;
type Entity = (typeof ENTITIES)[number];
const CREATABLE: Record<string, Entity> = {
  customer: 'Customer',
  item: 'Item',
  invoice: 'Invoice',
  creditmemo: 'CreditMemo',
  payment: 'Payment',
};

/** A create applied whose answer is lost: the connection dropped, or left unanswered. */
type Lost = 'drop' | 'hang';

interface Reply {
  readonly status: number;
  readonly body: Json;
}

class Refusal extends Error {
  constructor(
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly element = '',
  ) {
    super(detail);
  }
}

export async function startLocalQuickBooks(options: LocalQuickBooksOptions = {}): Promise<LocalQuickBooks> {
  const company = new Company(options);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => void company.handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokenEndpoint: `${url}${LOCAL_QBO_TOKEN_PATH}`,
    tokens: company.initialTokens(),
    state: () => company.snapshot(),
    requests: () => [...company.log],
    faults: company.faults(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

class Company {
  readonly log: LoggedRequest[] = [];
  private readonly realmId: string;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly rows = new Map<Entity, Json[]>(ENTITIES.map((entity) => [entity, []]));
  private readonly replies = new Map<string, Reply>();
  private readonly accessTokens = new Map<string, number>();
  private refreshToken = 'qbo-refresh-0';
  private refreshes = 0;
  private issued = 0;
  private dropNext: { entity: string; hang: boolean } | undefined;
  private refuseNext: string | undefined;
  private failNext: number | undefined;
  private unauthorized = 0;
  private taxNext: Dec | undefined;

  constructor(options: LocalQuickBooksOptions) {
    this.realmId = options.realmId ?? '9341453050298464';
    this.clientId = options.clientId ?? 'local-qbo-client';
    this.clientSecret = options.clientSecret ?? 'local-qbo-secret';
    this.ttl = options.accessTokenTtlSeconds ?? 3600;
    this.now = options.now ?? Date.now;
    for (const account of options.accounts ?? DEFAULT_QBO_ACCOUNTS) {
      this.insert('Account', { ...account, FullyQualifiedName: account.Name, Active: true, Classification: '' });
    }
  }

  initialTokens(): BooksTokens {
    const accessToken = this.issueAccessToken();
    return {
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      refreshToken: this.refreshToken,
      accessToken,
      expiresAt: Math.floor(this.now() / 1000) + this.ttl,
      realmId: this.realmId,
      environment: 'sandbox',
    };
  }

  snapshot(): LocalQuickBooksState {
    const copy = (entity: Entity): Json[] => structuredClone(this.table(entity));
    return {
      customers: copy('Customer'),
      items: copy('Item'),
      accounts: copy('Account'),
      invoices: copy('Invoice'),
      creditMemos: copy('CreditMemo'),
      payments: copy('Payment'),
      refreshToken: this.refreshToken,
      refreshes: this.refreshes,
    };
  }

  faults(): LocalQuickBooksFaults {
    return {
      dropNextCreateResponse: (entity = 'any') => void (this.dropNext = { entity, hang: false }),
      hangNextCreateResponse: (entity = 'any') => void (this.dropNext = { entity, hang: true }),
      expireAccessTokens: () => this.accessTokens.clear(),
      refuseNextCreate: (message) => void (this.refuseNext = message),
      throttleNextCall: () => void (this.failNext = 429),
      failNextCall: (status) => void (this.failNext = status),
      unauthorizeNextCalls: (count) => void (this.unauthorized = count),
      overrideNextTax: (tax) => void (this.taxNext = new Dec(tax)),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.log.push({
      method: req.method ?? '',
      path: url.pathname,
      requestId: url.searchParams.get('requestid'),
      host: req.headers.host ?? '',
      remoteAddress: req.socket.remoteAddress ?? '',
    });
    const body = await readBody(req);
    try {
      if (req.method === 'POST' && url.pathname === LOCAL_QBO_TOKEN_PATH) return send(res, this.token(req, body));
      const reply = this.api(req, url, body);
      if (reply === 'hang') return;
      if (reply === 'drop') return void req.socket.destroy();
      send(res, reply);
    } catch (error) {
      send(res, error instanceof Refusal ? this.fault(error) : { status: 500, body: { error: String(error) } });
    }
  }

  // --- OAuth2 ---

  private token(req: IncomingMessage, raw: string): Reply {
    const basic = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== basic) return { status: 401, body: { error: 'invalid_client' } };
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== 'refresh_token') return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (form.get('refresh_token') !== this.refreshToken) return { status: 400, body: { error: 'invalid_grant' } };
    this.refreshes += 1;
    this.refreshToken = `qbo-refresh-${this.refreshes}`;
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        access_token: this.issueAccessToken(),
        refresh_token: this.refreshToken,
        expires_in: this.ttl,
        x_refresh_token_expires_in: 8_726_400,
      },
    };
  }

  private issueAccessToken(): string {
    this.issued += 1;
    const token = `qbo-access-${this.issued}`;
    this.accessTokens.set(token, this.now() + this.ttl * 1000);
    return token;
  }

  // --- Accounting API ---

  private api(req: IncomingMessage, url: URL, raw: string): Reply | Lost {
    const match = /^\/v3\/company\/([^/]+)\/(\w+)$/.exec(url.pathname);
    const denied = this.authorize(req, match?.[1]);
    if (denied !== undefined) return denied;
    if (this.failNext !== undefined) {
      const status = this.failNext;
      this.failNext = undefined;
      const error = status === 429 ? 'ThrottleExceeded' : 'ServiceUnavailable';
      return { status, body: { error, error_description: `Stand-in fault: ${status}` } };
    }
    const resource = match?.[2] ?? '';
    if (req.method === 'GET' && resource === 'query') return this.query(url.searchParams.get('query') ?? '');
    const entity = CREATABLE[resource];
    if (req.method === 'POST' && entity !== undefined)
      return this.create(entity, raw, url.searchParams.get('requestid'));
    throw new Refusal(
      '500',
      'Unsupported Operation',
      `Operation Could not find resource for relative : ${url.pathname} of full path: ${url.href} is not supported.`,
    );
  }

  /** Whether this create's answer is to be lost (dropped or never sent), per the fault switch. */
  private lostAnswer(entity: Entity): Lost | undefined {
    const fault = this.dropNext;
    if (fault === undefined || (fault.entity !== 'any' && fault.entity !== entity)) return undefined;
    this.dropNext = undefined;
    return fault.hang ? 'hang' : 'drop';
  }

  private authorize(req: IncomingMessage, realmId: string | undefined): Reply | undefined {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const expires = this.accessTokens.get(token);
    const forced = this.unauthorized > 0;
    if (forced) this.unauthorized -= 1;
    if (forced || expires === undefined || expires <= this.now()) {
      return authFault(
        401,
        'message=AuthenticationFailed; errorCode=003200; statusCode=401',
        '3200',
        'AUTHENTICATION',
        this.time(),
      );
    }
    if (realmId !== this.realmId) {
      return authFault(
        403,
        'message=AuthorizationFailed; errorCode=003100; statusCode=403',
        '3100',
        'SERVICE',
        this.time(),
      );
    }
    return undefined;
  }

  private query(statement: string): Reply {
    const parsed = parseQuery(statement);
    const rows = this.table(parsed.entity)
      .filter((row) => parsed.where === undefined || parsed.where(row))
      .slice(0, parsed.max);
    const answer = rows.length === 0 ? {} : { [parsed.entity]: rows, startPosition: 1, maxResults: rows.length };
    return { status: 200, body: { QueryResponse: answer, time: this.time() } };
  }

  private create(entity: Entity, raw: string, requestId: string | null): Reply | Lost {
    const lost = this.lostAnswer(entity);
    const earlier = requestId === null ? undefined : this.replies.get(requestId);
    if (earlier !== undefined) return lost ?? earlier;
    if (this.refuseNext !== undefined) {
      const message = this.refuseNext;
      this.refuseNext = undefined;
      throw new Refusal(
        '6000',
        'A business validation error has occurred while processing your request',
        `Business Validation Error: ${message}`,
      );
    }
    const created = this.build(entity, parseJson(raw));
    const reply = { status: 200, body: { [entity]: created, time: this.time() } };
    if (requestId !== null) this.replies.set(requestId, reply);
    return lost ?? reply;
  }

  private build(entity: Entity, body: Json): Json {
    switch (entity) {
      case 'Customer':
        return this.createCustomer(body);
      case 'Item':
        return this.createItem(body);
      case 'Invoice':
      case 'CreditMemo':
        return this.createSalesDocument(entity, body);
      case 'Payment':
        return this.createPayment(body);
      default:
        throw new Refusal('500', 'Unsupported Operation', `Operation create ${entity} is not supported.`);
    }
  }

  private createCustomer(body: Json): Json {
    const name = requiredText(body, 'DisplayName', 500);
    this.uniqueName('Customer', 'DisplayName', name);
    return this.insert('Customer', {
      ...body,
      FullyQualifiedName: name,
      PrintOnCheckName: name,
      Active: true,
      Balance: 0,
    });
  }

  private createItem(body: Json): Json {
    const name = requiredText(body, 'Name', 100);
    this.uniqueName('Item', 'Name', name);
    const account = this.row('Account', refOf(body.IncomeAccountRef), 'IncomeAccountRef');
    return this.insert('Item', {
      ...body,
      IncomeAccountRef: { value: account.Id, name: account.Name },
      FullyQualifiedName: name,
      Active: true,
      Taxable: false,
    });
  }

  private createSalesDocument(entity: 'Invoice' | 'CreditMemo', body: Json): Json {
    const docNumber = optionalText(body, 'DocNumber', 21);
    const customer = this.row('Customer', refOf(body.CustomerRef), 'CustomerRef');
    if (docNumber !== undefined) this.uniqueDocNumber(entity, docNumber);
    const lines = this.salesLines(body.Line);
    const subtotal = sum(lines.map((line) => money(line.Amount, 'Line.Amount')));
    const detail = (body.TxnTaxDetail ?? {}) as Json;
    const tax = this.taxNext ?? (detail.TotalTax === undefined ? new Dec(0) : money(detail.TotalTax, 'TotalTax'));
    this.taxNext = undefined;
    const total = subtotal.plus(tax);
    const open = entity === 'Invoice' ? { Balance: num(total) } : { Balance: num(total), RemainingCredit: num(total) };
    return this.insert(entity, {
      ...body,
      CustomerRef: { value: customer.Id, name: customer.DisplayName },
      Line: [...lines, { Amount: num(subtotal), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} }],
      TxnTaxDetail: { ...detail, TotalTax: num(tax) },
      TotalAmt: num(total),
      ...open,
      LinkedTxn: [],
    });
  }

  private salesLines(value: unknown): Json[] {
    if (!Array.isArray(value) || value.length === 0) {
      throw new Refusal(
        '2020',
        'Required param missing, need to supply the required value for the API',
        'Required parameter Line is missing in the request',
        'Line',
      );
    }
    return (value as Json[]).map((line, index) => {
      const detail = (line.SalesItemLineDetail ?? {}) as Json;
      const item = this.row('Item', refOf(detail.ItemRef), 'Line.SalesItemLineDetail.ItemRef');
      money(line.Amount, 'Line.Amount');
      return {
        ...line,
        Id: String(index + 1),
        LineNum: index + 1,
        SalesItemLineDetail: { ...detail, ItemRef: { value: item.Id, name: item.Name } },
      };
    });
  }

  private createPayment(body: Json): Json {
    const customer = this.row('Customer', refOf(body.CustomerRef), 'CustomerRef');
    const total = money(body.TotalAmt, 'TotalAmt');
    optionalText(body, 'PaymentRefNum', 21);
    if (body.DepositToAccountRef !== undefined)
      this.row('Account', refOf(body.DepositToAccountRef), 'DepositToAccountRef');
    const lines = (Array.isArray(body.Line) ? body.Line : []) as Json[];
    const links = lines.map((line) => this.linkedTxn(line, String(customer.Id)));
    const invoiced = sum(links.filter((l) => l.type === 'Invoice').map((l) => l.amount));
    const credited = sum(links.filter((l) => l.type === 'CreditMemo').map((l) => l.amount));
    const payment = this.insert('Payment', {
      ...body,
      CustomerRef: { value: customer.Id, name: customer.DisplayName },
      TotalAmt: num(total),
      UnappliedAmt: num(total.minus(invoiced).plus(credited)),
    });
    for (const link of links) this.apply(link, String(payment.Id));
    return payment;
  }

  private linkedTxn(line: Json, customerId: string): { type: 'Invoice' | 'CreditMemo'; row: Json; amount: Dec } {
    const linked = (Array.isArray(line.LinkedTxn) ? line.LinkedTxn[0] : undefined) as Json | undefined;
    const type = linked?.TxnType;
    if (type !== 'Invoice' && type !== 'CreditMemo') {
      throw new Refusal(
        '2500',
        'Invalid Reference Id',
        'Invalid Reference Id : Line.LinkedTxn.TxnType',
        'Line.LinkedTxn',
      );
    }
    const row = this.row(type, String(linked?.TxnId ?? ''), 'Line.LinkedTxn.TxnId');
    if (refOf(row.CustomerRef) !== customerId) {
      throw new Refusal(
        '2500',
        'Invalid Reference Id',
        `Invalid Reference Id : ${type} ${String(row.Id)} belongs to another customer`,
        'Line.LinkedTxn',
      );
    }
    return { type, row, amount: money(line.Amount, 'Line.Amount') };
  }

  private apply(link: { type: 'Invoice' | 'CreditMemo'; row: Json; amount: Dec }, paymentId: string): void {
    const balance = money(link.row.Balance, 'Balance').minus(link.amount);
    link.row.Balance = num(balance);
    if (link.type === 'CreditMemo') link.row.RemainingCredit = num(balance);
    link.row.LinkedTxn = [
      ...((link.row.LinkedTxn as Json[] | undefined) ?? []),
      { TxnId: paymentId, TxnType: 'Payment' },
    ];
  }

  private uniqueName(entity: Entity, field: string, name: string): void {
    const taken = this.table(entity).find((row) => String(row[field]).toLowerCase() === name.toLowerCase());
    if (taken !== undefined) {
      throw new Refusal(
        '6240',
        'Duplicate Name Exists Error',
        `The name supplied already exists. : Id=${String(taken.Id)}`,
      );
    }
  }

  private uniqueDocNumber(entity: Entity, docNumber: string): void {
    const taken = this.table(entity).find((row) => row.DocNumber === docNumber);
    if (taken !== undefined) {
      throw new Refusal(
        '6140',
        'Duplicate Document Number Error',
        `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${entity} with TxnId=${String(taken.Id)}`,
      );
    }
  }

  private row(entity: Entity, id: string | undefined, element: string): Json {
    const found = id === undefined ? undefined : this.table(entity).find((row) => row.Id === id);
    if (found === undefined)
      throw new Refusal('2500', 'Invalid Reference Id', `Invalid Reference Id : ${element}`, element);
    return found;
  }

  private insert(entity: Entity, fields: Json): Json {
    const table = this.table(entity);
    const at = new Date(this.now()).toISOString();
    const row: Json = {
      ...fields,
      Id: String(table.length + 1),
      SyncToken: '0',
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: at, LastUpdatedTime: at },
    };
    table.push(row);
    return row;
  }

  private table(entity: Entity): Json[] {
    return this.rows.get(entity) ?? [];
  }

  private fault(refusal: Refusal): Reply {
    const error = { Message: refusal.title, Detail: refusal.detail, code: refusal.code, element: refusal.element };
    return { status: 400, body: { Fault: { Error: [error], type: 'ValidationFault' }, time: this.time() } };
  }

  private time(): string {
    return new Date(this.now()).toISOString();
  }
}

interface ParsedQuery {
  readonly entity: Entity;
  readonly where?: (row: Json) => boolean;
  readonly max: number;
}

const QUERY =
  /^\s*select\s+\*\s+from\s+(\w+)(?:\s+where\s+([\w.]+)\s*(=|like)\s*'((?:[^'\\]|\\.)*)')?(?:\s+maxresults\s+(\d+))?\s*$/i;

/** The forms the adapter sends; anything else is QuickBooks' parse error (4000). */
function parseQuery(statement: string): ParsedQuery {
  const match = QUERY.exec(statement);
  const entity = ENTITIES.find((name) => name.toLowerCase() === match?.[1]?.toLowerCase());
  if (match === null || entity === undefined) {
    throw new Refusal(
      '4000',
      'Error parsing query',
      `QueryParserError: Encountered an unsupported statement: ${statement}`,
    );
  }
  const max = Math.min(Number(match[5] ?? 100), 1000);
  const field = match[2];
  if (field === undefined) return { entity, max };
  const value = (match[4] ?? '').replace(/\\(.)/g, '$1').toLowerCase();
  const like = match[3]?.toLowerCase() === 'like';
  const pattern = like ? new RegExp(`^${value.split('%').map(escapeRegExp).join('.*')}$`, 's') : undefined;
  const where = (row: Json): boolean => {
    const cell = fieldText(row[field]).toLowerCase();
    return pattern === undefined ? cell === value : pattern.test(cell);
  };
  return { entity, where, max };
}

function fieldText(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'value' in value) return String((value as Json).value);
  return value === undefined || value === null ? '' : String(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function refOf(value: unknown): string | undefined {
  const inner = (value as Json | undefined)?.value;
  return inner === undefined ? undefined : String(inner);
}

function requiredText(body: Json, field: string, max: number): string {
  const text = optionalText(body, field, max);
  if (text === undefined || text.trim() === '') {
    throw new Refusal(
      '2020',
      'Required param missing, need to supply the required value for the API',
      `Required parameter ${field} is missing in the request`,
      field,
    );
  }
  return text;
}

function optionalText(body: Json, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  const text = String(value);
  if (text.length > max) {
    throw new Refusal(
      '2050',
      'String length is either shorter or longer than supported by specification',
      `String length specified does not match the supported length. Min:0 Max:${max} supplied length:${text.length}`,
      field,
    );
  }
  return text;
}

/** A JSON number of the request as the exact decimal it wrote. */
function money(value: unknown, field: string): Dec {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Refusal(
      '2010',
      'Request has invalid or unsupported property',
      `Property Name:${field} specified is unsupported or invalid`,
      field,
    );
  }
  return new Dec(String(value));
}

/** An amount written back as a JSON number (exact for money: 15 significant digits at most). */
function num(value: Dec): number {
  return Number(value.toString());
}

function parseJson(raw: string): Json {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object') return parsed as Json;
  } catch {
    // answered below, as QuickBooks does
  }
  throw new Refusal(
    '2010',
    'Request has invalid or unsupported property',
    'Property Name:Can not instantiate the request body',
    '',
  );
}

function authFault(status: number, message: string, code: string, type: string, time: string): Reply {
  return {
    status,
    body: {
      warnings: null,
      intuitObject: null,
      fault: { error: [{ message, detail: status === 401 ? 'Token expired' : null, code, element: null }], type },
      report: null,
      queryResponse: null,
      requestId: null,
      time,
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    intuit_tid: `local-${reply.status}`,
  });
  res.end(text);
}
