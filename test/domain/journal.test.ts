import { describe, expect, it } from 'vitest';
import type {
  AppliedPayment,
  CreditNote,
  Invoice,
  InvoiceAccount,
  InvoiceLine,
  Payment,
  Product,
} from '../../functions/domain/billing-types.js';
import {
  accountBalance,
  buildJournal,
  journalTotals,
  unpostedFees,
  type JournalEntry,
} from '../../functions/domain/journal.js';
import { Dec, decimalText, sum } from '../../functions/domain/money.js';
import { DEFAULT_ACCOUNTS } from '../../functions/domain/reference/settings.js';

const A = DEFAULT_ACCOUNTS;
const d = (text: string): Dec => new Dec(text);

const PRODUCTS: Product[] = [
  { sku: 'M365', name: 'Microsoft 365', unit: 'seat', aggregation: 'max', incomeAccount: '4100 Licensing' },
  { sku: 'HELP', name: 'Helpdesk', unit: 'seat', aggregation: 'max' },
];

function line(kind: InvoiceLine['kind'], amount: string, extra: Partial<InvoiceLine> = {}): InvoiceLine {
  return { kind, description: kind, quantity: d('1'), unitPrice: d(amount), amount: d(amount), ...extra };
}

function invoice(number: string, lines: InvoiceLine[], tax: string, extra: Partial<Invoice> = {}): Invoice {
  const subtotal = sum(lines.map((l) => l.amount));
  return {
    number,
    clientId: 'acme',
    period: '2026-03',
    currency: 'USD',
    issueDate: '2026-03-01',
    dueDate: '2026-03-31',
    lines,
    subtotal,
    tax: d(tax),
    total: subtotal.plus(d(tax)),
    ...extra,
  };
}

function account(inv: Invoice, payments: AppliedPayment[] = [], voidedOn?: string): InvoiceAccount {
  return { invoice: inv, payments, ...(voidedOn ? { voidedOn } : {}) };
}

function payment(paymentId: string, invoiceNumber: string, amount: string, receivedOn = '2026-03-10'): Payment {
  return { paymentId, invoiceNumber, amount: d(amount), currency: 'USD', receivedOn };
}

function journal(input: {
  invoices?: InvoiceAccount[];
  creditNotes?: CreditNote[];
  payments?: Payment[];
  period?: string;
}): JournalEntry[] {
  return buildJournal({
    period: input.period ?? '2026-03',
    accounts: A,
    products: PRODUCTS,
    invoices: input.invoices ?? [],
    creditNotes: input.creditNotes ?? [],
    payments: input.payments ?? [],
  });
}

/** `account Dr|Cr amount` per entry: what a bookkeeper reads. */
function rows(entries: readonly JournalEntry[]): string[] {
  return entries.map(
    (e) =>
      `${e.documentNumber} ${e.account} ${e.debit.isZero() ? `Cr ${decimalText(e.credit)}` : `Dr ${decimalText(e.debit)}`}`,
  );
}

const INV = invoice(
  'INV-2026-000001',
  [
    line('recurring', '300.00', { sku: 'M365' }),
    line('usage', '50.00', { sku: 'M365' }),
    line('recurring', '200.00', { sku: 'HELP' }),
    line('credit', '-20.00', { sku: 'HELP' }),
    line('late_fee', '15.00'),
    line('client_credit', '-100.00', { creditNote: 'CN-2026-000001' }),
  ],
  '42.40',
);

describe('buildJournal', () => {
  it('posts an invoice: Dr AR the total, Cr income per account, late fees, client credit spent as a Dr, tax', () => {
    expect(rows(journal({ invoices: [account(INV)] }))).toEqual([
      'INV-2026-000001 1200 Accounts Receivable Dr 487.4',
      'INV-2026-000001 4100 Licensing Cr 350',
      'INV-2026-000001 4000 Sales Cr 180',
      'INV-2026-000001 4900 Late Fee Income Cr 15',
      'INV-2026-000001 2310 Client Credit Dr 100',
      'INV-2026-000001 2200 Sales Tax Payable Cr 42.4',
    ]);
  });

  it('numbers the entries per document and leaves out what is not dated in the period', () => {
    const april = invoice('INV-2026-000002', [line('recurring', '10.00', { sku: 'HELP' })], '0', {
      issueDate: '2026-04-01',
    });
    const entries = journal({ invoices: [account(april), account(INV)] });
    expect(entries.map((e) => e.entryId)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `invoice/INV-2026-000001/${n}`));
    expect(entries.every((e) => e.date === '2026-03-01' && e.clientId === 'acme')).toBe(true);
  });

  it('posts a payment: Dr undeposited funds, Cr AR the applied part, Cr unapplied cash the overpayment', () => {
    const paid = account(INV, [{ paymentId: 'P1', amount: d('487.40'), receivedOn: '2026-03-10' }]);
    const entries = journal({ invoices: [paid], payments: [payment('P1', INV.number, '500.00')] }).filter(
      (e) => e.documentType === 'payment',
    );
    expect(rows(entries)).toEqual([
      'P1 1250 Undeposited Funds Dr 500',
      'P1 1200 Accounts Receivable Cr 487.4',
      'P1 2300 Unapplied Cash Cr 12.6',
    ]);
    expect(entries[0]?.clientId).toBe('acme');
  });

  it('posts a card surcharge paid on top as money received and surcharge income, never to AR', () => {
    const paid = account(INV, [{ paymentId: 'P2', amount: d('487.40'), receivedOn: '2026-03-10' }]);
    const card = { ...payment('P2', INV.number, '487.40'), surcharge: d('14.13') };
    expect(rows(journal({ invoices: [paid], payments: [card] }).filter((e) => e.documentType === 'payment'))).toEqual([
      'P2 1250 Undeposited Funds Dr 487.4',
      'P2 1200 Accounts Receivable Cr 487.4',
      'P2 1250 Undeposited Funds Dr 14.13',
      'P2 4910 Card Surcharge Income Cr 14.13',
    ]);
  });

  it("posts the provider's fee: Dr provider fees, Cr undeposited funds, in the payment's document", () => {
    const paid = account(INV, [{ paymentId: 'pi_1', amount: d('487.40'), receivedOn: '2026-03-10' }]);
    const card = {
      ...payment('pi_1', INV.number, '487.40'),
      surcharge: d('14.13'),
      fee: d('14.84'),
      feeCurrency: 'USD',
    };
    const entries = journal({ invoices: [paid], payments: [card] }).filter((e) => e.documentType === 'payment');
    // 2.9% of 501.53 is 14.54437 → 14.54, + 0.30: the money charged, surcharge included.
    expect(rows(entries)).toEqual([
      'pi_1 1250 Undeposited Funds Dr 487.4',
      'pi_1 1200 Accounts Receivable Cr 487.4',
      'pi_1 1250 Undeposited Funds Dr 14.13',
      'pi_1 4910 Card Surcharge Income Cr 14.13',
      'pi_1 6100 Payment Processing Fees Dr 14.84',
      'pi_1 1250 Undeposited Funds Cr 14.84',
    ]);
    expect(entries.every((e) => e.date === '2026-03-10' && e.memo.startsWith('Payment pi_1'))).toBe(true);
    const undeposited = accountBalance(entries, '1250 Undeposited Funds', 'USD');
    expect(decimalText(undeposited)).toBe('486.69'); // what the provider pays out: 501.53 − 14.84
    expect(unpostedFees({ period: '2026-03', payments: [card] })).toEqual([]);
  });

  it("posts a refund's fee as reported (a returned fee the other way), and leaves a zero fee out", () => {
    const refunds = [
      { ...payment('re_1', 'INV-NOPE', '-10.00'), fee: d('0'), feeCurrency: 'USD' },
      { ...payment('re_2', 'INV-NOPE', '-20.00'), fee: d('-0.58'), feeCurrency: 'USD' },
    ];
    expect(rows(journal({ payments: refunds }))).toEqual([
      're_1 1250 Undeposited Funds Cr 10',
      're_1 2300 Unapplied Cash Dr 10',
      're_2 1250 Undeposited Funds Cr 20',
      're_2 2300 Unapplied Cash Dr 20',
      're_2 6100 Payment Processing Fees Cr 0.58',
      're_2 1250 Undeposited Funds Dr 0.58',
    ]);
  });

  it("lists a fee in another currency than its payment's as not posted", () => {
    const jpy = { ...payment('pi_2', 'INV-NOPE', '980'), currency: 'JPY', fee: d('0.66'), feeCurrency: 'USD' };
    expect(rows(journal({ payments: [jpy] }))).toEqual([
      'pi_2 1250 Undeposited Funds Dr 980',
      'pi_2 2300 Unapplied Cash Cr 980',
    ]);
    expect(unpostedFees({ period: '2026-03', payments: [jpy] })).toEqual([
      { paymentId: 'pi_2', date: '2026-03-10', fee: d('0.66'), currency: 'USD', paymentCurrency: 'JPY' },
    ]);
    expect(unpostedFees({ period: '2026-04', payments: [jpy] })).toEqual([]);
  });

  it('posts a payment for an unknown invoice wholly to unapplied cash, without a client', () => {
    const entries = journal({ payments: [payment('P9', 'INV-NOPE', '75.00')] });
    expect(rows(entries)).toEqual(['P9 1250 Undeposited Funds Dr 75', 'P9 2300 Unapplied Cash Cr 75']);
    expect(entries[0]?.clientId).toBe('');
  });

  it('posts a refund as the reverse of a payment', () => {
    const refunded = account(INV, [
      { paymentId: 'P1', amount: d('487.40'), receivedOn: '2026-03-10' },
      { paymentId: 'R1', amount: d('-87.40'), receivedOn: '2026-03-20' },
    ]);
    const entries = journal({
      invoices: [refunded],
      payments: [payment('P1', INV.number, '487.40'), payment('R1', INV.number, '-87.40', '2026-03-20')],
    }).filter((e) => e.documentType === 'refund');
    expect(rows(entries)).toEqual(['R1 1250 Undeposited Funds Cr 87.4', 'R1 1200 Accounts Receivable Dr 87.4']);
  });

  it('posts a credit note as the reverse of its lines, Cr AR the applied part and Cr client credit the rest', () => {
    const note: CreditNote = {
      number: 'CN-2026-000002',
      invoiceNumber: INV.number,
      clientId: 'acme',
      currency: 'USD',
      issueDate: '2026-03-15',
      reason: 'Outage',
      lines: [
        {
          description: 'M365',
          quantity: d('1'),
          unitPrice: d('300.00'),
          amount: d('300.00'),
          invoiceLine: 1,
          taxable: true,
        },
        {
          description: 'Late fee',
          quantity: d('1'),
          unitPrice: d('15.00'),
          amount: d('15.00'),
          invoiceLine: 5,
          taxable: false,
        },
      ],
      subtotal: d('315.00'),
      tax: d('24.00'),
      total: d('339.00'),
      applied: d('300.00'),
      clientCredit: d('39.00'),
      void: false,
    };
    const entries = journal({ invoices: [account(INV)], creditNotes: [note] }).filter(
      (e) => e.documentType === 'credit_note',
    );
    expect(rows(entries)).toEqual([
      'CN-2026-000002 4100 Licensing Dr 300',
      'CN-2026-000002 4900 Late Fee Income Dr 15',
      'CN-2026-000002 2200 Sales Tax Payable Dr 24',
      'CN-2026-000002 1200 Accounts Receivable Cr 300',
      'CN-2026-000002 2310 Client Credit Cr 39',
    ]);
    expect(entries[0]?.memo).toBe('Credit note CN-2026-000002 of INV-2026-000001: income credited');
  });

  it('keeps currencies apart: each document in its own, debits = credits per currency', () => {
    const eur = invoice('INV-2026-000003', [line('recurring', '100.00', { sku: 'HELP' })], '19.00', {
      currency: 'EUR',
      clientId: 'euro',
    });
    const jpy = invoice('INV-2026-000004', [line('recurring', '980', { sku: 'HELP' })], '98', {
      currency: 'JPY',
      clientId: 'tokyo',
    });
    const entries = journal({ invoices: [account(INV), account(eur), account(jpy)] });
    const totals = journalTotals(entries);
    expect([...totals.keys()]).toEqual(['EUR', 'JPY', 'USD']);
    for (const [, t] of totals) expect(t.debit.equals(t.credit)).toBe(true);
    expect(decimalText(accountBalance(entries, A.accountsReceivable, 'JPY'))).toBe('1078');
    expect(decimalText(accountBalance(entries, A.salesTaxPayable, 'EUR'))).toBe('-19');
  });

  it('orders documents by date, type and number, so the same documents give the same journal', () => {
    const second = invoice('INV-2026-000005', [line('recurring', '10.00', { sku: 'HELP' })], '0', {
      issueDate: '2026-03-10',
    });
    const input = {
      invoices: [account(second), account(INV, [{ paymentId: 'P1', amount: d('10.00'), receivedOn: '2026-03-10' }])],
      payments: [payment('P1', INV.number, '10.00')],
    };
    const entries = journal(input);
    expect([...new Set(entries.map((e) => `${e.date} ${e.documentType} ${e.documentNumber}`))]).toEqual([
      '2026-03-01 invoice INV-2026-000001',
      '2026-03-10 invoice INV-2026-000005',
      '2026-03-10 payment P1',
    ]);
    expect(journal({ invoices: [...input.invoices].reverse(), payments: input.payments })).toEqual(entries);
  });

  it("posts each client's tax to its rate's account when salesTaxPayableByRate lists it, else to salesTaxPayable", () => {
    const texas = invoice('INV-2026-000010', [line('recurring', '100.00', { sku: 'HELP' })], '8.25');
    const other = invoice('INV-2026-000011', [line('recurring', '100.00', { sku: 'HELP' })], '5.00', {
      clientId: 'globex',
    });
    const unknown = invoice('INV-2026-000012', [line('recurring', '100.00', { sku: 'HELP' })], '8.25', {
      clientId: 'gone',
    });
    const note: CreditNote = {
      number: 'CN-2026-000009',
      invoiceNumber: texas.number,
      clientId: 'acme',
      currency: 'USD',
      issueDate: '2026-03-20',
      reason: 'Goodwill',
      lines: [{ description: 'Goodwill', quantity: d('1'), unitPrice: d('10.00'), amount: d('10.00'), taxable: true }],
      subtotal: d('10.00'),
      tax: d('0.83'),
      total: d('10.83'),
      applied: d('10.83'),
      clientCredit: d('0'),
      void: false,
    };
    const entries = buildJournal({
      period: '2026-03',
      accounts: { ...A, salesTaxPayableByRate: { '8.25': '2201 Texas Sales Tax', '0': '2209 Exempt' } },
      products: PRODUCTS,
      invoices: [account(texas), account(other), account(unknown)],
      creditNotes: [note],
      payments: [],
      clients: [
        { clientId: 'acme', taxRate: d('8.250') },
        { clientId: 'globex', taxRate: d('5') },
      ],
    });
    expect(rows(entries.filter((e) => e.memo.includes('sales tax')))).toEqual([
      'INV-2026-000010 2201 Texas Sales Tax Cr 8.25',
      'INV-2026-000011 2200 Sales Tax Payable Cr 5',
      'INV-2026-000012 2200 Sales Tax Payable Cr 8.25',
      'CN-2026-000009 2201 Texas Sales Tax Dr 0.83',
    ]);
    // Without the clients, or without the setting, every rate's tax goes to salesTaxPayable.
    expect(rows(journal({ invoices: [account(texas)] })).at(-1)).toBe('INV-2026-000010 2200 Sales Tax Payable Cr 8.25');
  });

  it('throws naming the document when its amounts do not add up', () => {
    const broken = { ...INV, total: INV.total.plus(d('0.01')) };
    expect(() => journal({ invoices: [account(broken)] })).toThrow(
      'invoice INV-2026-000001 (USD) does not balance: its debits exceed its credits by 0.01',
    );
  });
});
