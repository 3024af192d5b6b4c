/**
 * What the publisher pushes (books-documents.ts): documents dated in [from, today], lines on the
 * chart of accounts as the journal posts them, a payment as the part its invoice took, and the
 * money it leaves to the billing team (refunds, unapplied money, surcharges) listed with a reason.
 */
import { describe, expect, it } from 'vitest';
import { booksDocuments, type BooksDocumentsInput } from '../../functions/app/books-documents.js';
import type { CreditNote, InvoiceAccount, Payment } from '../../functions/domain/billing-types.js';
import { DEFAULT_ACCOUNTS } from '../../functions/domain/reference/settings.js';
import { client, d, product } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

const invoice = (number: string, issueDate: string, clientId = 'C001'): InvoiceAccount => ({
  invoice: {
    ...issuedInvoice({ number, issueDate, clientId }),
    lines: [
      {
        kind: 'recurring',
        sku: 'M365',
        description: 'M365',
        quantity: d(3),
        unitPrice: d('22.00'),
        amount: d('66.00'),
      },
      {
        kind: 'recurring',
        sku: 'HELP',
        description: 'Help',
        quantity: d(1),
        unitPrice: d('45.00'),
        amount: d('45.00'),
      },
      { kind: 'charge', description: 'Install', quantity: d(1), unitPrice: d(10), amount: d(10), taxable: false },
      {
        kind: 'late_fee',
        description: 'Late fee',
        quantity: d(1),
        unitPrice: d('1.50'),
        amount: d('1.50'),
        feeOf: { invoiceNumber: 'X', chargedOn: '2025-01-20' },
      },
      {
        kind: 'client_credit',
        description: 'Credit',
        quantity: d(1),
        unitPrice: d(-5),
        amount: d(-5),
        creditNote: 'CN-1',
      },
    ],
    subtotal: d('117.50'),
    tax: d('11.10'),
    total: d('128.60'),
  },
  payments: [],
});

const note = (overrides: Partial<CreditNote> = {}): CreditNote => ({
  number: 'CN-2025-000001',
  invoiceNumber: 'INV-2025-000001',
  clientId: 'C001',
  currency: 'USD',
  issueDate: '2025-02-10',
  reason: 'goodwill',
  lines: [
    { description: 'M365 credited', quantity: d(1), unitPrice: d(22), amount: d(22), invoiceLine: 1, taxable: true },
    { description: 'Credit', quantity: d(1), unitPrice: d(8), amount: d(8), taxable: true },
  ],
  subtotal: d(30),
  tax: d(3),
  total: d(33),
  applied: d(33),
  clientCredit: d(0),
  void: false,
  ...overrides,
});

const payment = (paymentId: string, amount: string, overrides: Partial<Payment> = {}): Payment => ({
  paymentId,
  invoiceNumber: 'INV-2025-000001',
  amount: d(amount),
  currency: 'USD',
  receivedOn: '2025-02-12',
  ...overrides,
});

function input(overrides: Partial<BooksDocumentsInput> = {}): BooksDocumentsInput {
  const paid = invoice('INV-2025-000001', '2025-02-01');
  return {
    from: '2025-02-01',
    today: '2025-02-28',
    accounts: DEFAULT_ACCOUNTS,
    clients: [client({ taxRate: d(10), billingEmails: ['ap@c1.example', 'cfo@c1.example'] })],
    products: [product({ sku: 'M365', incomeAccount: '4100 Licensing' }), product({ sku: 'HELP' })],
    invoices: [
      {
        ...paid,
        payments: [
          { paymentId: 'P-1', amount: d('50.00'), receivedOn: '2025-02-12' },
          { paymentId: 'CN-2025-000001', amount: d(33), receivedOn: '2025-02-10', creditNote: 'CN-2025-000001' },
          { paymentId: 'P-2', amount: d('45.60'), receivedOn: '2025-02-14' },
        ],
      },
      invoice('INV-2025-000000', '2025-01-31'),
      invoice('INV-2025-000009', '2025-03-01', 'C002'),
    ],
    creditNotes: [note(), note({ number: 'CN-2025-000002', issueDate: '2025-01-20' })],
    payments: [
      payment('P-1', '50.00', { surcharge: d('1.50') }),
      payment('P-2', '60.00', { receivedOn: '2025-02-14' }),
      payment('R-1', '-5.00', { receivedOn: '2025-02-15' }),
      payment('P-3', '20.00', { invoiceNumber: 'INV-2025-999999' }),
      payment('P-0', '10.00', { receivedOn: '2025-01-31' }),
    ],
    ...overrides,
  };
}

describe('booksDocuments', () => {
  it('takes the documents dated from `from` to today, each once, by number', () => {
    const docs = booksDocuments(input());
    expect(docs.invoices.map((i) => i.number)).toEqual(['INV-2025-000001']);
    expect(docs.creditNotes.map((n) => n.number)).toEqual(['CN-2025-000001']);
    expect(docs.payments.map((p) => p.id)).toEqual(['P-1', 'P-2']);
    expect(docs.customers).toEqual([{ clientId: 'C001', name: 'Client One', email: 'ap@c1.example', currency: 'USD' }]);
    const later = booksDocuments(input({ today: '2025-03-01' }));
    expect(later.invoices.map((i) => i.number)).toEqual(['INV-2025-000001', 'INV-2025-000009']);
    expect(later.customers.map((c) => [c.clientId, c.name])).toEqual([
      ['C001', 'Client One'],
      ['C002', 'C002'], // not in clients.csv: its id names it
    ]);
  });

  it('puts each line on its account as the journal does, with what is taxed', () => {
    const [inv] = booksDocuments(input()).invoices;
    expect(inv?.lines.map((l) => [l.account, l.amount.toFixed(2), l.taxable])).toEqual([
      ['4100 Licensing', '66.00', true],
      ['4000 Sales', '45.00', true],
      ['4000 Sales', '10.00', false],
      ['4900 Late Fee Income', '1.50', false],
      ['2310 Client Credit', '-5.00', false],
    ]);
    expect([inv?.taxRatePercent.toFixed(), inv?.tax.toFixed(2), inv?.total.toFixed(2)]).toEqual([
      '10',
      '11.10',
      '128.60',
    ]);
  });

  it('keeps a credited line on its invoice line’s account, and a credit by amount on the default income', () => {
    const [cn] = booksDocuments(input()).creditNotes;
    expect(cn?.lines.map((l) => l.account)).toEqual(['4100 Licensing', '4000 Sales']);
    expect([cn?.invoiceNumber, cn?.applied.toFixed(), cn?.total.toFixed()]).toEqual(['INV-2025-000001', '33', '33']);
  });

  it('publishes the part of a payment its invoice took, and lists the rest with the reason', () => {
    const docs = booksDocuments(input({ paymentAccount: '1010 Operating Account' }));
    expect(docs.payments.map((p) => [p.id, p.amount.toFixed(2), p.account, p.clientId])).toEqual([
      ['P-1', '50.00', '1010 Operating Account', 'C001'],
      ['P-2', '45.60', '1010 Operating Account', 'C001'],
    ]);
    expect(docs.notPublished.map((n) => [n.kind, n.key, n.amount.toFixed(2), n.reason])).toEqual([
      ['surcharge', 'P-1', '1.50', 'card surcharge paid on top of INV-2025-000001 (post by hand)'],
      ['unapplied', 'P-3', '20.00', 'no invoice INV-2025-999999 in TrueUp, unapplied (post by hand)'],
      ['unapplied', 'P-2', '14.40', 'received above the balance of INV-2025-000001, unapplied (post by hand)'],
      ['refund', 'R-1', '5.00', 'refund on INV-2025-000001 (post by hand)'],
    ]);
  });

  it('deposits to undeposited funds unless publish.paymentAccount says otherwise', () => {
    expect(booksDocuments(input()).payments[0]?.account).toBe('1250 Undeposited Funds');
  });
});
