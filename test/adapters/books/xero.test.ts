/**
 * The Xero adapter on the real SDK (xero-node) against the local stand-in: create, retry after a
 * timeout, a duplicate push, token refresh, a validation error. Nothing leaves 127.0.0.1.
 */
import { Socket } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { xeroAccountingSystem, spreadTax } from '../../../functions/adapters/books/xero.js';
import {
  localXeroSystem,
  memoryTokenStore,
  startLocalXero,
  type LocalXero,
} from '../../../functions/adapters/local/books/xero-server.js';
import {
  BooksRefused,
  type AccountingSystem,
  type BooksCreditNote,
  type BooksCustomer,
  type BooksInvoice,
  type BooksLine,
  type BooksPayment,
  type BooksTokens,
} from '../../../functions/app/books-ports.js';
import { Dec, roundMoney } from '../../../functions/domain/money.js';

/** Every host a socket connected to while these tests ran. */
const hosts: string[] = [];
const connect = Socket.prototype.connect;
vi.spyOn(Socket.prototype, 'connect').mockImplementation(function (this: Socket, ...args: unknown[]) {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  const host =
    typeof first === 'object' && first !== null
      ? (first as { host?: string; path?: string }).host
      : (args[1] as string);
  hosts.push(String(host ?? 'localhost'));
  return (connect as (...a: unknown[]) => Socket).apply(this, args);
});

afterAll(() => {
  expect(hosts.length).toBeGreaterThan(0);
  expect(new Set(hosts)).toEqual(new Set(['127.0.0.1']));
  vi.restoreAllMocks();
});

const line = (over: Partial<BooksLine> & Pick<BooksLine, 'quantity' | 'unitPrice' | 'account'>): BooksLine => ({
  description: 'Line',
  amount: roundMoney(over.quantity.times(over.unitPrice), 'USD'),
  taxable: true,
  ...over,
});

const customer: BooksCustomer = { clientId: 'acme', name: 'Acme & Co', email: 'ap@acme.test', currency: 'USD' };

/** Three taxable lines whose per-line tax (8.25%) sums to 34.18 while TrueUp's tax on their total is 34.17. */
const lines: BooksLine[] = [
  line({
    description: 'Microsoft 365 Business Premium',
    quantity: new Dec(12),
    unitPrice: new Dec('22.00'),
    account: '4100 Licensing',
  }),
  line({
    description: 'Helpdesk',
    quantity: new Dec(2),
    unitPrice: new Dec('67.55'),
    account: '4200 Managed Services',
  }),
  // 1227.6422764 GB × 0.0123: more decimals than Xero's 4, so it goes as 1 × 15.10.
  line({
    description: 'Backup storage',
    quantity: new Dec('1227.6422764'),
    unitPrice: new Dec('0.0123'),
    account: '4000 Sales',
  }),
  line({
    description: 'Late fee',
    quantity: new Dec(1),
    unitPrice: new Dec('15.00'),
    account: '4900 Late Fee Income',
    taxable: false,
  }),
  line({
    description: 'Client credit applied',
    quantity: new Dec(1),
    unitPrice: new Dec('-20.00'),
    account: '2310 Client Credit',
    taxable: false,
  }),
];

const invoice: BooksInvoice = {
  number: 'INV-2026-000042',
  clientId: 'acme',
  period: '2026-03',
  issueDate: '2026-04-01',
  dueDate: '2026-05-01',
  currency: 'USD',
  lines,
  taxRatePercent: new Dec('8.25'),
  tax: new Dec('34.17'),
  total: new Dec('443.37'),
};

const creditNote: BooksCreditNote = {
  number: 'CN-2026-000007',
  clientId: 'acme',
  issueDate: '2026-04-10',
  currency: 'USD',
  invoiceNumber: invoice.number,
  lines: [
    line({
      description: 'Helpdesk outage credit',
      quantity: new Dec(1),
      unitPrice: new Dec('50.00'),
      account: '4200 Managed Services',
    }),
  ],
  taxRatePercent: new Dec('8.25'),
  tax: new Dec('4.13'),
  total: new Dec('54.13'),
  applied: new Dec('30.00'),
};

const payment: BooksPayment = {
  id: 'pi_3QxYz',
  clientId: 'acme',
  invoiceNumber: invoice.number,
  receivedOn: '2026-04-20',
  currency: 'USD',
  amount: new Dec('413.37'),
  account: '1250 Undeposited Funds',
};

describe('the Xero adapter (xero-node) against the local stand-in', () => {
  let xero: LocalXero;
  let store: ReturnType<typeof memoryTokenStore>;
  let clock: number;
  let books: AccountingSystem;
  const adapter = (tokens = store, timeoutMs = 5_000) =>
    xeroAccountingSystem({ tokens, identityUrl: xero.url, apiUrl: xero.url, timeoutMs, now: () => clock });

  beforeEach(async () => {
    clock = Date.UTC(2026, 3, 1, 9);
    xero = await startLocalXero({ now: () => clock });
    store = memoryTokenStore(xero.tokens);
    books = adapter();
  });
  afterEach(() => xero.close());

  const publishAll = async () => {
    const contact = await books.createCustomer(customer, 'trueup-customer-acme');
    const inv = await books.createInvoice(invoice, contact, 'trueup-invoice-INV-2026-000042');
    const note = await books.createCreditNote(creditNote, contact, inv, 'trueup-credit_note-CN-2026-000007');
    const paid = await books.createPayment(payment, inv, 'trueup-payment-pi_3QxYz');
    return { contact, inv, note, paid };
  };

  it('creates the contact, the invoice, the credit note with its allocation and the payment; totals equal to the cent', async () => {
    const { contact, inv, note, paid } = await publishAll();
    expect(inv.total?.equals(invoice.total)).toBe(true);
    expect(note.total?.equals(creditNote.total)).toBe(true);
    expect(paid.total?.equals(payment.amount)).toBe(true);

    const state = xero.state();
    expect(state.contacts).toEqual([
      { id: contact.externalId, number: 'acme', name: 'Acme & Co', email: 'ap@acme.test', currency: 'USD' },
    ]);
    const [held] = state.invoices;
    expect(held).toMatchObject({
      number: invoice.number,
      status: 'PAID',
      subTotal: '409.2',
      totalTax: '34.17',
      total: '443.37',
      amountDue: '0',
    });
    // The rounding difference (34.18 by line, 34.17 on the total) is on the last taxable line.
    expect(
      held?.lines.map((l) => [l.accountCode, l.taxType, l.quantity, l.unitAmount, l.lineAmount, l.taxAmount]),
    ).toEqual([
      ['4100', 'OUTPUT', '12', '22', '264', '21.78'],
      ['4200', 'OUTPUT', '2', '67.55', '135.1', '11.15'],
      ['4000', 'OUTPUT', '1', '15.1', '15.1', '1.24'],
      ['4900', 'NONE', '1', '15', '15', '0'],
      ['2310', 'NONE', '1', '-20', '-20', '0'],
    ]);
    expect(held?.lines[2]?.description).toBe('Backup storage (1227.6422764 × 0.0123)');

    expect(state.creditNotes).toMatchObject([
      {
        id: note.externalId,
        number: creditNote.number,
        total: '54.13',
        totalTax: '4.13',
        remainingCredit: '24.13',
        status: 'AUTHORISED',
      },
    ]);
    expect(state.creditNotes[0]?.allocations).toEqual([
      { invoiceId: inv.externalId, amount: '30', date: '2026-04-10' },
    ]);
    expect(state.payments).toEqual([
      {
        id: paid.externalId,
        invoiceId: inv.externalId,
        reference: 'pi_3QxYz',
        amount: '413.37',
        date: '2026-04-20',
        accountCode: '1250',
      },
    ]);
    // Each create carried its idempotency key; the allocation its own.
    expect(
      state.requests
        .filter((r) => r.method !== 'GET' && r.path.startsWith('/api.xro'))
        .map((r) => [r.path, r.idempotencyKey]),
    ).toEqual([
      ['/api.xro/2.0/Contacts', 'trueup-customer-acme'],
      ['/api.xro/2.0/Invoices', 'trueup-invoice-INV-2026-000042'],
      ['/api.xro/2.0/CreditNotes', 'trueup-credit_note-CN-2026-000007'],
      [`/api.xro/2.0/CreditNotes/${note.externalId}/Allocations`, 'trueup-credit_note-CN-2026-000007-allocation'],
      ['/api.xro/2.0/Payments', 'trueup-payment-pi_3QxYz'],
    ]);

    // Found again by their TrueUp keys.
    expect(await books.findCustomer('acme')).toEqual({ externalId: contact.externalId });
    expect(await books.findCustomer('globex')).toBeUndefined();
    expect((await books.findDocument('invoice', invoice.number))?.externalId).toBe(inv.externalId);
    expect((await books.findDocument('credit_note', creditNote.number))?.externalId).toBe(note.externalId);
    expect(await books.findDocument('payment', 'pi_3QxYz')).toEqual({
      externalId: paid.externalId,
      total: new Dec('413.37'),
    });
    expect(await books.findDocument('invoice', 'INV-2026-000043')).toBeUndefined();
  });

  it('retries after a timeout without a second document: found by number, or replayed by its idempotency key', async () => {
    const contact = await books.createCustomer(customer, 'trueup-customer-acme');
    xero.faults.dropNextResponse();
    const lost = books.createInvoice(invoice, contact, 'trueup-invoice-INV-2026-000042');
    await expect(lost).rejects.toThrow(/Xero create invoice: no response/);
    await expect(lost).rejects.not.toBeInstanceOf(BooksRefused);
    const found = await books.findDocument('invoice', invoice.number); // what the publisher does next
    expect(found?.total?.equals(invoice.total)).toBe(true);

    // The payment's response is lost too; the retry sends the same key and Xero answers the first result.
    const inv = { externalId: found?.externalId ?? '' };
    xero.faults.dropNextResponse();
    await expect(
      books.createPayment({ ...payment, amount: new Dec('100.00') }, inv, 'trueup-payment-pi_3QxYz'),
    ).rejects.toThrow();
    const again = await books.createPayment({ ...payment, amount: new Dec('100.00') }, inv, 'trueup-payment-pi_3QxYz');
    const state = xero.state();
    expect(state.invoices).toHaveLength(1);
    expect(state.payments.map((p) => p.id)).toEqual([again.externalId]);
    expect(state.replays).toBe(1);
  });

  it('gives up on a request that hangs after its deadline (transient), and finds the document next time', async () => {
    const contact = await books.createCustomer(customer, 'trueup-customer-acme');
    xero.faults.dropNextResponse({ hang: true });
    const started = Date.now();
    await expect(adapter(store, 300).createInvoice(invoice, contact, 'k-1')).rejects.toThrow(
      /no response within 300 ms/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await books.findDocument('invoice', invoice.number))?.externalId).toBe(xero.state().invoices[0]?.id);
  });

  it('finishes a credit note whose allocation was cut off: not published until allocated, never created twice', async () => {
    const contact = await books.createCustomer(customer, 'c');
    const inv = await books.createInvoice(invoice, contact, 'i');
    xero.faults.dropNextResponse(); // the credit note is made, its answer lost: no allocation yet
    await expect(books.createCreditNote(creditNote, contact, inv, 'n')).rejects.toThrow(/no response/);
    expect(xero.state().creditNotes[0]?.allocations).toEqual([]);
    expect(await books.findDocument('credit_note', creditNote.number)).toBeUndefined();
    const note = await books.createCreditNote(creditNote, contact, inv, 'n');
    const state = xero.state();
    expect(state.creditNotes.map((n) => [n.id, n.remainingCredit, n.allocations.length])).toEqual([
      [note.externalId, '24.13', 1],
    ]);
    expect(state.invoices[0]?.amountDue).toBe('413.37');
    expect((await books.findDocument('credit_note', creditNote.number))?.externalId).toBe(note.externalId);
    // A credit note that applies nothing is complete as made.
    const unapplied = { ...creditNote, number: 'CN-2026-000008', applied: new Dec(0) };
    const plain = await books.createCreditNote(unapplied, contact, undefined, 'n2');
    expect((await books.findDocument('credit_note', 'CN-2026-000008'))?.externalId).toBe(plain.externalId);
  });

  it('a duplicate push creates nothing new: the same key replays, a new key is refused by the invoice number', async () => {
    const first = await publishAll();
    const contact = await books.createCustomer(customer, 'trueup-customer-acme');
    const inv = await books.createInvoice(invoice, contact, 'trueup-invoice-INV-2026-000042');
    expect([contact.externalId, inv.externalId]).toEqual([first.contact.externalId, first.inv.externalId]);
    // The credit note pushed again is found by number and not allocated a second time.
    const note = await books.createCreditNote(creditNote, contact, inv, 'yet-another-key');
    expect(note.externalId).toBe(first.note.externalId);
    expect(xero.state().creditNotes[0]?.allocations).toHaveLength(1);
    const refused = await books.createInvoice(invoice, contact, 'another-key').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BooksRefused);
    expect((refused as BooksRefused).systemMessage).toBe('Invoice # must be unique.');
    const state = xero.state();
    expect([state.contacts.length, state.invoices.length, state.creditNotes.length, state.payments.length]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(state.replays).toBe(2);
  });

  it('refreshes the token: first use, before expiry, and once on a 401; the rotated refresh token is written back first', async () => {
    const initial = xero.tokens;
    const writes: { tokens: BooksTokens; requestsSoFar: number }[] = [];
    const watched = {
      read: () => store.read(),
      write: async (tokens: BooksTokens) => {
        writes.push({ tokens, requestsSoFar: xero.state().requests.length });
        await store.write(tokens);
      },
    };
    const watchedBooks = adapter(watched as typeof store);
    await watchedBooks.createCustomer(customer, 'k');
    expect(writes).toHaveLength(1);
    const first = writes[0]?.tokens;
    expect(first?.refreshToken).not.toBe(initial.refreshToken);
    expect(first?.accessToken).toBeDefined();
    expect(first?.expiresAt).toBeGreaterThanOrEqual(clock / 1000 + 1799); // Xero's 30 minutes, on our clock
    expect(first?.expiresAt).toBeLessThanOrEqual(clock / 1000 + 1800);
    expect(first).toMatchObject({
      clientId: initial.clientId,
      clientSecret: initial.clientSecret,
      tenantId: initial.tenantId,
    });
    // Written right after the token call, before the API call that uses it.
    expect(
      xero
        .state()
        .requests.slice(0, writes[0]?.requestsSoFar)
        .map((r) => r.path),
    ).toEqual(['/connect/token']);

    // 45 s before expiry: refreshed ahead, no 401 seen.
    clock += (1800 - 45) * 1000;
    await watchedBooks.findCustomer('acme');
    expect(writes).toHaveLength(2);

    // The token dies early: one 401, one refresh, the call retried.
    xero.faults.expireAccessTokens();
    expect(await watchedBooks.findCustomer('acme')).toBeDefined();
    expect(writes).toHaveLength(3);
    const statuses = xero.state().requests.map((r) => `${r.path} ${r.status}`);
    expect(statuses.filter((s) => s.endsWith(' 401'))).toEqual(['/api.xro/2.0/Contacts 401']);
    expect(statuses.filter((s) => s.startsWith('/connect/token'))).toEqual(Array(3).fill('/connect/token 200'));

    // The first refresh token was rotated away: a connection still holding it fails, transient, no token in the message.
    const stale = adapter(memoryTokenStore(initial));
    const error = (await stale.findCustomer('acme').then(
      () => new Error('found'),
      (e: unknown) => e,
    )) as Error;
    expect(error).not.toBeInstanceOf(BooksRefused);
    expect(error.message).toMatch(/invalid_grant.*trueup accounting connect --system xero/);
    for (const secret of [initial.refreshToken, first?.refreshToken, first?.accessToken, initial.clientSecret])
      expect(error.message).not.toContain(secret);
  });

  it('names the organisation when Xero refuses the tenant (403), without retrying or refusing the document', async () => {
    const elsewhere = adapter(memoryTokenStore({ ...xero.tokens, tenantId: 'another-organisation' }));
    const error = (await elsewhere.findCustomer('acme').then(
      () => new Error('found'),
      (e: unknown) => e,
    )) as Error;
    expect(error).not.toBeInstanceOf(BooksRefused);
    expect(error.message).toMatch(/^Xero find contact: HTTP 403 \(no access to the organisation: check tenantId/);
  });

  it('uses a newer token set another run wrote to the store instead of spending a rotated refresh token', async () => {
    await books.findCustomer('acme'); // refresh #1, held in memory by `books`
    const other = adapter();
    xero.faults.expireAccessTokens();
    await other.findCustomer('acme'); // 401 → refresh #2, written to the shared store
    await books.findCustomer('acme'); // 401 → reads the store: #2's token works, no refresh with a dead token
    const tokenCalls = xero.state().requests.filter((r) => r.path === '/connect/token');
    expect(tokenCalls.map((r) => r.status)).toEqual([200, 200]);
  });

  it("refuses with Xero's own message: an unknown account code, any validation error; a rate limit or 5xx is transient", async () => {
    const contact = await books.createCustomer(customer, 'c');
    const bad = { ...invoice, lines: [{ ...lines[0]!, account: '9999 Suspense' }, ...lines.slice(1)] };
    const refused = await books.createInvoice(bad, contact, 'trueup-invoice-INV-2026-000042').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BooksRefused);
    expect((refused as BooksRefused).systemMessage).toBe("Account code '9999' is not a valid code for this document.");

    xero.faults.refuseNextWrite('The contact name Acme & Co is already assigned to another contact.');
    const named = await books.createCustomer({ ...customer, clientId: 'acme-2' }, 'c2').catch((e: unknown) => e);
    expect((named as BooksRefused).systemMessage).toBe(
      'The contact name Acme & Co is already assigned to another contact.',
    );

    // The minute limit is waited out (Retry-After 1 s, three times at most); the daily limit is transient.
    const waits: number[] = [];
    const patient = xeroAccountingSystem({
      tokens: store,
      identityUrl: xero.url,
      apiUrl: xero.url,
      now: () => clock,
      sleep: (ms) => Promise.resolve(void waits.push(ms)),
    });
    xero.faults.rateLimitNext({ times: 2 });
    expect(await patient.findDocument('invoice', invoice.number)).toBeUndefined();
    expect(waits).toEqual([1000, 1000]);
    xero.faults.rateLimitNext({ times: 4 });
    await expect(patient.findDocument('invoice', invoice.number)).rejects.toThrow(
      'Xero find invoice: HTTP 429 (rate limit)',
    );
    expect(waits).toHaveLength(5);
    xero.faults.rateLimitNext({ retryAfterSeconds: 66_975 });
    const limited = await patient.findDocument('invoice', invoice.number).catch((e: unknown) => e);
    expect(limited).not.toBeInstanceOf(BooksRefused);
    expect((limited as Error).message).toBe('Xero find invoice: HTTP 429 (rate limit)');
    expect(waits).toHaveLength(5);
    xero.faults.failNext();
    await expect(books.findDocument('invoice', invoice.number)).rejects.toThrow('Xero find invoice: HTTP 503');

    // Fixed (mapping corrected): the same key creates it; a refusal is not replayed.
    const inv = await books.createInvoice(invoice, contact, 'trueup-invoice-INV-2026-000042');
    expect(inv.total?.equals(invoice.total)).toBe(true);
    expect(xero.state().invoices).toHaveLength(1);
  });

  it('sends a line as 1 × amount when its quantity × price would need rounding in Xero', async () => {
    const contact = await books.createCustomer(customer, 'c');
    const thirds = line({
      description: 'Support',
      quantity: new Dec(3),
      unitPrice: new Dec('33.3333'),
      account: '4200 Managed Services',
    });
    expect(thirds.amount.toFixed()).toBe('100');
    const made = await books.createInvoice(
      { ...invoice, lines: [thirds], tax: new Dec('8.25'), total: new Dec('108.25') },
      contact,
      'k',
    );
    expect(made.total?.toFixed(2)).toBe('108.25');
    expect(
      xero.state().invoices[0]?.lines.map((l) => [l.description, l.quantity, l.unitAmount, l.lineAmount, l.taxAmount]),
    ).toEqual([['Support (3 × 33.3333)', '1', '100', '100', '8.25']]);
  });

  it('looks an account named without a code up in the chart, and refuses one Xero does not have', async () => {
    const contact = await books.createCustomer(customer, 'c');
    const named = {
      ...invoice,
      lines: [{ ...lines[0]!, account: 'Licensing' }],
      tax: new Dec('21.78'),
      total: new Dec('285.78'),
    };
    const inv = await books.createInvoice(named, contact, 'k');
    expect(xero.state().invoices[0]?.lines[0]?.accountCode).toBe('4100');
    expect(inv.total?.toFixed(2)).toBe('285.78');
    const missing = { ...named, number: 'INV-2', lines: [{ ...lines[0]!, account: 'Consulting' }] };
    await expect(books.createInvoice(missing, contact, 'k2')).rejects.toThrow(
      `TrueUp: Xero's chart of accounts has no account named "Consulting" with a code`,
    );
  });
});

describe('localXeroSystem', () => {
  it('wires the real adapter to a stand-in for the local runtime', async () => {
    const local = await startLocalXero();
    try {
      const system = localXeroSystem(local);
      expect(system.system).toBe('xero');
      const made = await system.createCustomer(customer, 'k');
      expect(await system.findCustomer('acme')).toEqual(made);
    } finally {
      await local.close();
    }
  });
});

describe('spreadTax', () => {
  it('puts the rounding difference on the last taxable line and refuses tax without a taxable line', () => {
    expect(spreadTax(invoice).map((t) => t.toFixed(2))).toEqual(['21.78', '11.15', '1.24', '0.00', '0.00']);
    const untaxed = { ...invoice, lines: lines.slice(3) };
    expect(() => spreadTax(untaxed)).toThrow(BooksRefused);
    expect(spreadTax({ ...untaxed, tax: new Dec(0) }).every((t) => t.isZero())).toBe(true);
  });
});
