/**
 * The QuickBooks Online adapter (Intuit's OAuth client + the Accounting API v3) against the
 * local stand-in on 127.0.0.1: create, retry after a timeout, a duplicate push, token refresh,
 * a validation error. Every socket opened is checked to go to 127.0.0.1: never the network.
 */
import net from 'node:net';
import OAuthClient from 'intuit-oauth';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BooksRefused,
  type AccountingSystem,
  type BooksCreditNote,
  type BooksCustomer,
  type BooksInvoice,
  type BooksPayment,
  type BooksTokens,
} from '../../../functions/app/books-ports.js';
import { MemoryTokenStore } from '../../../functions/adapters/books/memory-token-store.js';
import { createQuickBooks, QuickBooksUnavailable } from '../../../functions/adapters/books/quickbooks.js';
import { localQuickBooksSystem } from '../../../functions/adapters/local/books/local-quickbooks.js';
import {
  DEFAULT_QBO_ACCOUNTS,
  qboChartOf,
  startLocalQuickBooks,
  type LocalQuickBooks,
} from '../../../functions/adapters/local/books/quickbooks-server.js';
import { Dec } from '../../../functions/domain/money.js';

const d = (text: string): Dec => new Dec(text);

const ACCOUNTS = [...DEFAULT_QBO_ACCOUNTS, ...qboChartOf(['4100 Licensing'])];

const ACME: BooksCustomer = { clientId: 'acme', name: "Acme IT: O'Brien & Co", email: 'ap@acme.test', currency: 'USD' };

/** docs/accounting.md's worked example: 300 + 200 + 15 late fee − 100 client credit, tax 50, total 465. */
const INVOICE: BooksInvoice = {
  number: 'INV-2026-000042',
  clientId: 'acme',
  period: '2026-03',
  issueDate: '2026-03-01',
  dueDate: '2026-03-31',
  currency: 'USD',
  lines: [
    {
      description: 'M365 Business Premium',
      quantity: d('12'),
      unitPrice: d('25'),
      amount: d('300.00'),
      account: '4100 Licensing',
      taxable: true,
      sku: 'M365-BP',
    },
    {
      description: 'Helpdesk',
      quantity: d('3.333'),
      unitPrice: d('60'),
      amount: d('200.00'),
      account: '4000 Sales',
      taxable: true,
    },
    {
      description: 'Late fee',
      quantity: d('1'),
      unitPrice: d('15'),
      amount: d('15.00'),
      account: '4900 Late Fee Income',
      taxable: false,
    },
    {
      description: 'Credit CN-2026-000001',
      quantity: d('1'),
      unitPrice: d('-100'),
      amount: d('-100.00'),
      account: '2310 Client Credit',
      taxable: false,
    },
  ],
  taxRatePercent: d('10'),
  tax: d('50.00'),
  total: d('465.00'),
};

const NOTE: BooksCreditNote = {
  number: 'CN-2026-000003',
  clientId: 'acme',
  issueDate: '2026-03-25',
  currency: 'USD',
  invoiceNumber: 'INV-2026-000042',
  lines: [
    {
      description: 'Helpdesk, 1 seat',
      quantity: d('1'),
      unitPrice: d('60'),
      amount: d('60.00'),
      account: '4000 Sales',
      taxable: true,
    },
  ],
  taxRatePercent: d('10'),
  tax: d('6.00'),
  total: d('66.00'),
  applied: d('66.00'),
};

const PAYMENT: BooksPayment = {
  id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
  clientId: 'acme',
  invoiceNumber: 'INV-2026-000042',
  receivedOn: '2026-03-28',
  currency: 'USD',
  amount: d('399.00'),
  account: '1250 Undeposited Funds',
};

const hosts: string[] = [];
let qbo: LocalQuickBooks;
let store: MemoryTokenStore;
let books: AccountingSystem;

beforeAll(() => {
  const connect = net.Socket.prototype.connect;
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const host = String((first as { host?: string } | undefined)?.host ?? first);
    hosts.push(host);
    if (host !== '127.0.0.1') throw new Error(`test tried to reach ${host}: only 127.0.0.1 is allowed`);
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  });
});

afterAll(() => {
  vi.restoreAllMocks();
  expect(hosts.length).toBeGreaterThan(0);
  expect(hosts.every((host) => host === '127.0.0.1')).toBe(true);
  // The adapter routed its token requests per client: Intuit's endpoint is left as it was.
  expect(OAuthClient.tokenEndpoint).toBe('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer');
});

beforeEach(async () => {
  qbo = await startLocalQuickBooks({ accounts: ACCOUNTS });
  store = new MemoryTokenStore(qbo.tokens);
  books = adapterOn(qbo, store);
});

afterEach(async () => {
  expect(qbo.requests().every((request) => request.remoteAddress === '127.0.0.1')).toBe(true);
  await qbo.close();
});

function adapterOn(server: LocalQuickBooks, tokens: MemoryTokenStore): AccountingSystem {
  return localQuickBooksSystem(server, tokens);
}

const dec = (value: unknown): Dec => new Dec(String(value));

async function publishInvoice(): Promise<{ customerId: string; invoiceId: string }> {
  const customer = await books.createCustomer(ACME, 'trueup-customer-acme');
  const invoice = await books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042');
  return { customerId: customer.externalId, invoiceId: invoice.externalId };
}

describe('QuickBooks Online adapter against the local stand-in', () => {
  it('creates the customer, an item per income account, the invoice, the credit memo and the payment, totals to the cent', async () => {
    expect(await books.findCustomer('acme')).toBeUndefined();
    const customer = await books.createCustomer(ACME, 'trueup-customer-acme');
    expect(await books.findCustomer('acme')).toEqual(customer);

    const invoice = await books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042');
    expect(invoice.total?.eq(INVOICE.total)).toBe(true);
    const note = await books.createCreditNote(NOTE, customer, invoice, 'trueup-credit_note-CN-2026-000003');
    expect(note.total?.eq(NOTE.total)).toBe(true);
    const payment = await books.createPayment(PAYMENT, invoice, `trueup-payment-${PAYMENT.id}`);
    expect(payment.total?.eq(PAYMENT.amount)).toBe(true);

    expect(await books.findDocument('invoice', INVOICE.number)).toEqual(invoice);
    expect(await books.findDocument('credit_note', NOTE.number)).toEqual(note);
    expect(await books.findDocument('payment', PAYMENT.id)).toEqual(payment);
    expect(await books.findDocument('payment', 'pi_3MtwBwLkdIwHu7ix28OTHER')).toBeUndefined();

    const state = qbo.state();
    expect(state.customers.map((c) => c.DisplayName)).toEqual(["Acme IT- O'Brien & Co (acme)"]);
    expect(state.items.map((i) => [i.Name, (i.IncomeAccountRef as { name: string }).name])).toEqual([
      ['TrueUp 4100 Licensing', 'Licensing'],
      ['TrueUp 4000 Sales', 'Sales'],
      ['TrueUp 4900 Late Fee Income', 'Late Fee Income'],
      ['TrueUp 2310 Client Credit', 'Client Credit'],
    ]);
    const [qboInvoice] = state.invoices;
    expect(qboInvoice?.DocNumber).toBe('INV-2026-000042');
    expect(dec(qboInvoice?.TotalAmt).eq('465')).toBe(true);
    expect(dec((qboInvoice?.TxnTaxDetail as { TotalTax: number }).TotalTax).eq('50')).toBe(true);
    const lines = qboInvoice?.Line as { Amount: number; SalesItemLineDetail?: Record<string, unknown> }[];
    expect(lines.map((l) => l.Amount)).toEqual([300, 200, 15, -100, 415]);
    // 3.333 × 60 is not 200.00: Qty and UnitPrice are left out rather than refused by QuickBooks.
    expect(lines[0]?.SalesItemLineDetail).toMatchObject({ Qty: 12, UnitPrice: 25, TaxCodeRef: { value: 'TAX' } });
    expect(lines[1]?.SalesItemLineDetail).not.toHaveProperty('Qty');
    expect(lines[2]?.SalesItemLineDetail).toMatchObject({ TaxCodeRef: { value: 'NON' } });
    // 465 − 66 applied by the credit memo (a $0 payment) − 399 paid = 0.
    expect(dec(qboInvoice?.Balance).eq(0)).toBe(true);
    expect(dec(state.creditMemos[0]?.RemainingCredit).eq(0)).toBe(true);
    expect(state.payments.map((p) => [p.TotalAmt, p.PaymentRefNum, p.PrivateNote])).toEqual([
      [0, undefined, 'TrueUp credit note CN-2026-000003 applied to INV-2026-000042'],
      [399, 'pi_3MtwBwLkdIwHu7ix28', `TrueUp payment ${PAYMENT.id}`],
    ]);
    expect(state.payments[1]?.DepositToAccountRef).toEqual({ value: '2' });
    // Every create carried a requestid (≤ 50 characters).
    const creates = qbo.requests().filter((r) => r.method === 'POST' && r.path.startsWith('/v3/'));
    expect(creates.length).toBe(9);
    expect(creates.every((r) => r.requestId !== null && r.requestId.length <= 50)).toBe(true);
  });

  it('retries after a timeout without a duplicate (the same requestid gets the first answer)', async () => {
    const customer = await books.createCustomer(ACME, 'trueup-customer-acme');
    qbo.faults.dropNextCreateResponse('Invoice');
    const lost = books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042');
    await expect(lost).rejects.toBeInstanceOf(QuickBooksUnavailable);
    expect(qbo.state().invoices).toHaveLength(1);

    const again = await books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042');
    expect(again.externalId).toBe(qbo.state().invoices[0]?.Id);
    expect(qbo.state().invoices).toHaveLength(1);
    const posts = qbo.requests().filter((r) => r.path.endsWith('/invoice'));
    expect(posts).toHaveLength(2);
    expect(posts[1]?.requestId).toBe(posts[0]?.requestId); // answered from the first create, not by 6140

    qbo.faults.dropNextCreateResponse();
    await expect(books.createPayment(PAYMENT, again, 'trueup-payment-x')).rejects.toBeInstanceOf(QuickBooksUnavailable);
    // The publisher's next run finds it by its key before creating.
    const found = await books.findDocument('payment', PAYMENT.id);
    expect(found?.externalId).toBe('1');
    await books.createPayment(PAYMENT, again, 'trueup-payment-x');
    expect(qbo.state().payments).toHaveLength(1);
  });

  it('resumes a credit memo created but not yet applied: found only once applied', async () => {
    const { customerId, invoiceId } = await publishInvoice();
    const customer = { externalId: customerId };
    const invoice = { externalId: invoiceId };
    qbo.faults.dropNextCreateResponse('CreditMemo'); // the memo is created, its answer lost: no application yet
    const lost = books.createCreditNote(NOTE, customer, invoice, 'trueup-credit_note-CN-2026-000003');
    await expect(lost).rejects.toBeInstanceOf(QuickBooksUnavailable);
    expect(qbo.state().creditMemos).toHaveLength(1);
    expect(qbo.state().payments).toHaveLength(0);
    // Not applied yet: absent for the publisher, which calls createCreditNote again.
    expect(await books.findDocument('credit_note', NOTE.number)).toBeUndefined();

    const note = await books.createCreditNote(NOTE, customer, invoice, 'trueup-credit_note-CN-2026-000003');
    expect(await books.findDocument('credit_note', NOTE.number)).toEqual(note);
    expect(qbo.state().creditMemos).toHaveLength(1);
    expect(qbo.state().payments).toHaveLength(1);
    expect(dec(qbo.state().invoices[0]?.Balance).eq('399')).toBe(true);
    // A credit note kept as client credit (applied 0) is done as soon as it exists.
    const kept = { ...NOTE, number: 'CN-2026-000004', applied: d('0') };
    const keptRef = await books.createCreditNote(kept, customer, invoice, 'trueup-credit_note-CN-2026-000004');
    expect(await books.findDocument('credit_note', kept.number)).toEqual(keptRef);
    expect(qbo.state().payments).toHaveLength(1);
  });

  it('a duplicate push creates nothing twice', async () => {
    const { customerId, invoiceId } = await publishInvoice();
    const customer = { externalId: customerId };
    // The same key again: QuickBooks replays the first answer.
    expect((await books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042')).externalId).toBe(invoiceId);
    // Another key: QuickBooks says 6140 Duplicate Document Number; the customer's own invoice is adopted.
    expect((await books.createInvoice(INVOICE, customer, 'another-key')).externalId).toBe(invoiceId);
    expect((await books.createCustomer(ACME, 'another-customer-key')).externalId).toBe(customerId);
    expect(qbo.state().invoices).toHaveLength(1);
    expect(qbo.state().customers).toHaveLength(1);
    expect(qbo.state().items).toHaveLength(4);

    // The same number on another customer's invoice is refused with QuickBooks' message.
    const other = await books.createCustomer({ ...ACME, clientId: 'globex', name: 'Globex' }, 'trueup-customer-globex');
    const refused = await books
      .createInvoice({ ...INVOICE, clientId: 'globex' }, other, 'globex-key')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BooksRefused);
    expect((refused as BooksRefused).systemMessage).toContain('Duplicate Document Number Error');
    expect((refused as BooksRefused).systemMessage).toContain('(code 6140)');
    expect(qbo.state().invoices).toHaveLength(1);
  });

  it('refreshes an expiring token, writes the rotated refresh token back before using it, and the old one is refused', async () => {
    const expiring: BooksTokens = { ...qbo.tokens, expiresAt: Math.floor(Date.now() / 1000) + 30 };
    const writesAt: number[] = [];
    const tokens = new MemoryTokenStore(expiring);
    const write = tokens.write.bind(tokens);
    tokens.write = async (next) => {
      writesAt.push(qbo.requests().length);
      await write(next);
    };
    const adapter = adapterOn(qbo, tokens);
    await adapter.findCustomer('acme');

    const stored = await tokens.read();
    expect(tokens.writes).toBe(1);
    expect(stored.refreshToken).toBe(qbo.state().refreshToken);
    expect(stored.refreshToken).not.toBe(qbo.tokens.refreshToken);
    expect(stored.accessToken).not.toBe(qbo.tokens.accessToken);
    expect(stored.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 3000);
    const log = qbo.requests();
    expect(log.map((r) => r.path)).toEqual(['/oauth2/v1/tokens/bearer', '/v3/company/9341453050298464/query']);
    expect(writesAt).toEqual([1]); // written after the refresh answered, before the query was sent

    // The rotated-out refresh token no longer works, and the error says why without any token.
    const stale = adapterOn(qbo, new MemoryTokenStore({ ...qbo.tokens, accessToken: undefined }));
    const error = await stale.findCustomer('acme').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuickBooksUnavailable);
    expect((error as Error).message).toContain('invalid_grant');
    expect((error as Error).message).not.toMatch(/qbo-refresh|qbo-access|local-qbo-secret/);
  });

  it('on a 401 refreshes once and retries the call', async () => {
    const customer = await books.createCustomer(ACME, 'trueup-customer-acme');
    qbo.faults.expireAccessTokens();
    const invoice = await books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042');
    expect(invoice.total?.eq('465')).toBe(true);
    expect(store.writes).toBe(1);
    expect((await store.read()).refreshToken).toBe(qbo.state().refreshToken);
    expect(qbo.state().refreshes).toBe(1);
  });

  it('a 401 right after the refresh is transient: one refresh, no loop', async () => {
    qbo.faults.unauthorizeNextCalls(2);
    const error = await books.findCustomer('acme').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuickBooksUnavailable);
    expect((error as Error).message).toContain('refused right after a refresh (401)');
    expect(qbo.state().refreshes).toBe(1);
    expect(await books.findCustomer('acme')).toBeUndefined();
  });

  it('calls at once share one refresh (a rotated refresh token works once)', async () => {
    const tokens = new MemoryTokenStore({ ...qbo.tokens, accessToken: undefined });
    const adapter = adapterOn(qbo, tokens);
    await Promise.all([adapter.findCustomer('a'), adapter.findCustomer('b'), adapter.findDocument('invoice', 'X')]);
    expect(qbo.state().refreshes).toBe(1);
    expect(tokens.writes).toBe(1);
  });

  it('a ValidationFault is BooksRefused with QuickBooks’ message; retried after the fix it is created', async () => {
    const customer = await books.createCustomer(ACME, 'trueup-customer-acme');
    qbo.faults.refuseNextCreate('The customer is inactive');
    const refused = await books
      .createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BooksRefused);
    expect((refused as BooksRefused).systemMessage).toBe(
      'A business validation error has occurred while processing your request — Business Validation Error: The customer is inactive (code 6000)',
    );
    expect(qbo.state().invoices).toHaveLength(0);
    await books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042');
    expect(qbo.state().invoices).toHaveLength(1);
  });

  it('refuses before sending what QuickBooks cannot hold, naming it', async () => {
    const customer = await books.createCustomer(ACME, 'trueup-customer-acme');
    const long = await books
      .createInvoice({ ...INVOICE, number: 'INVOICE-2026-0000000042' }, customer, 'k1')
      .catch((e: unknown) => e);
    expect((long as BooksRefused).systemMessage).toContain('INVOICE-2026-0000000042 has 23 characters');
    const unknown = await books
      .createInvoice({ ...INVOICE, lines: [{ ...INVOICE.lines[0]!, account: '4300 Cloud' }] }, customer, 'k2')
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(BooksRefused);
    expect((unknown as BooksRefused).systemMessage).toContain('QuickBooks has no account "4300 Cloud"');
    expect(qbo.requests().filter((r) => r.path.endsWith('/invoice'))).toHaveLength(0);
  });

  it('a 429, a 5xx or a timeout is transient, not a refusal', async () => {
    qbo.faults.throttleNextCall();
    const throttled = await books.findCustomer('acme').catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(QuickBooksUnavailable);
    expect(throttled).not.toBeInstanceOf(BooksRefused);
    qbo.faults.failNextCall(503);
    const unavailable = await books.findCustomer('acme').catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(QuickBooksUnavailable);
    expect((unavailable as Error).message).toContain('(503)');
    expect(await books.findCustomer('acme')).toBeUndefined();

    // A create applied but never answered: the client gives up after its timeout; the retry replays.
    const impatient = createQuickBooks({
      tokens: store,
      apiBaseUrl: qbo.url,
      tokenEndpoint: qbo.tokenEndpoint,
      timeoutMs: 300,
    });
    qbo.faults.hangNextCreateResponse('Customer');
    const timedOut = await impatient.createCustomer(ACME, 'trueup-customer-acme').catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(QuickBooksUnavailable);
    expect((timedOut as Error).message).toMatch(/timeout/i);
    const customer = await impatient.createCustomer(ACME, 'trueup-customer-acme');
    expect(customer.externalId).toBe('1');
    expect(qbo.state().customers).toHaveLength(1);
  });

  it('another company’s realmId is refused (403) and reported as transient, without a token in the message', async () => {
    const other = adapterOn(qbo, new MemoryTokenStore({ ...qbo.tokens, realmId: '123' }));
    const error = await other.findCustomer('acme').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuickBooksUnavailable);
    expect((error as Error).message).toContain('(403)');
    expect((error as Error).message).not.toContain(qbo.tokens.accessToken);
    expect(qbo.requests().at(-1)?.path).toBe('/v3/company/123/query');
  });

  it('hands back QuickBooks’ own total when it recomputed the tax', async () => {
    const customer = await books.createCustomer(ACME, 'trueup-customer-acme');
    qbo.faults.overrideNextTax('50.01');
    const invoice = await books.createInvoice(INVOICE, customer, 'trueup-invoice-INV-2026-000042');
    expect(invoice.total?.toString()).toBe('465.01');
  });
});
