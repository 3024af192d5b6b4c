import { describe, expect, it } from 'vitest';
import { decideDunning } from '../../functions/domain/decide-dunning.js';
import { invoiceBalance } from '../../functions/domain/invoice-balance.js';
import { formatMoney } from '../../functions/domain/money.js';
import type { AppliedPayment, Invoice, InvoiceAccount } from '../../functions/domain/billing-types.js';
import { client, d, settings } from '../support/builders.js';
import { expectedInvoices, replay } from './ar-conformance.js';

function account(
  total: string | number,
  payments: Array<[string | number, string]> = [],
  overrides: Partial<Invoice> = {},
): InvoiceAccount {
  const invoice: Invoice = {
    number: 'INV-2025-000001',
    clientId: 'C001',
    period: '2025-01',
    currency: 'USD',
    issueDate: '2025-02-01',
    dueDate: '2025-03-03',
    lines: [],
    subtotal: d(total),
    tax: d(0),
    total: d(total),
    ...overrides,
  };
  const applied: AppliedPayment[] = payments.map(([amount, receivedOn], i) => ({
    paymentId: `P${i + 1}`,
    amount: d(amount),
    receivedOn,
  }));
  return { invoice, payments: applied };
}

const view = (a: InvoiceAccount, asOf?: string) => {
  const b = invoiceBalance(a, asOf);
  return { balance: b.balance.toFixed(2), paid: b.paid.toFixed(2), status: b.status, paidOn: b.paidOn };
};

describe('balance and status (docs/contract.md §6)', () => {
  it.each([
    ['no payment', 100, [], { balance: '100.00', paid: '0.00', status: 'open', paidOn: undefined }],
    [
      'a partial payment',
      100,
      [[40, '2025-02-10']],
      { balance: '60.00', paid: '40.00', status: 'partially_paid', paidOn: undefined },
    ],
    [
      'two payments that settle it',
      100,
      [
        [40, '2025-02-10'],
        [60, '2025-02-20'],
      ],
      { balance: '0.00', paid: '100.00', status: 'paid', paidOn: '2025-02-20' },
    ],
    [
      'a credit note with no payment',
      '-166.07',
      [],
      { balance: '-166.07', paid: '0.00', status: 'paid', paidOn: undefined },
    ],
    [
      'a credit note settled by a negative payment',
      -361,
      [[-361, '2025-03-20']],
      { balance: '0.00', paid: '-361.00', status: 'paid', paidOn: '2025-03-20' },
    ],
    ['a zero invoice', 0, [], { balance: '0.00', paid: '0.00', status: 'paid', paidOn: undefined }],
    [
      'a payment and its full refund',
      100,
      [
        [100, '2025-02-10'],
        [-100, '2025-02-12'],
      ],
      { balance: '100.00', paid: '0.00', status: 'open', paidOn: undefined },
    ],
  ] as const)('is computed for %s', (_name, total, payments, expected) => {
    expect(
      view(
        account(
          total,
          payments.map(([a, r]) => [a, r] as [number, string]),
        ),
      ),
    ).toEqual(expected);
  });

  it('counts only payments received on or before asOf', () => {
    const a = account(100, [
      [40, '2025-02-10'],
      [60, '2025-02-20'],
    ]);
    expect(view(a, '2025-02-09')).toMatchObject({ balance: '100.00', status: 'open' });
    expect(view(a, '2025-02-10')).toMatchObject({ balance: '60.00', status: 'partially_paid' });
    expect(view(a, '2025-02-20')).toMatchObject({ balance: '0.00', status: 'paid', paidOn: '2025-02-20' });
  });

  it('dates the payment that got the balance to zero, whatever order they were recorded in', () => {
    const a = account(100, [
      [60, '2025-02-20'],
      [40, '2025-02-10'],
      [5, '2025-02-25'],
    ]);
    expect(view(a)).toMatchObject({ balance: '-5.00', status: 'paid', paidOn: '2025-02-20' });
  });

  it('is no longer paid after a refund takes the balance above zero again', () => {
    const a = account(100, [
      [100, '2025-02-10'],
      [-30, '2025-02-12'],
    ]);
    expect(view(a)).toEqual({ balance: '30.00', paid: '70.00', status: 'partially_paid', paidOn: undefined });
  });
});

describe('balances are compared as money, rounded to the minor unit', () => {
  // A payment finer than the currency (refused at import since, but stored ones may exist)
  // must not leave a fraction of a penny open for ever, dunned and charged a late fee.
  const gbp = account('234.47', [['234.466', '2025-02-20']], { currency: 'GBP' });

  it('counts 234.466 GBP on a 234.47 GBP invoice as paid, balance 0.00', () => {
    const b = invoiceBalance(gbp);
    expect(b.status).toBe('paid');
    expect(b.paidOn).toBe('2025-02-20');
    expect(b.balance.toFixed()).toBe('0');
  });

  it('does not dun it nor charge a late fee', () => {
    const decision = decideDunning({
      today: '2025-04-10',
      steps: [...settings().dunning.steps],
      clients: [client()],
      invoices: [gbp],
      sentSteps: new Map(),
      lateFeeCharged: new Set(),
    });
    expect(decision.emails).toEqual([]);
  });

  it('keeps half a minor unit or more open (half away from zero)', () => {
    expect(view(account('10.00', [['9.995', '2025-02-20']]))).toMatchObject({
      balance: '0.01',
      status: 'partially_paid',
    });
    expect(view(account('10.00', [['9.9951', '2025-02-20']]))).toMatchObject({ balance: '0.00', status: 'paid' });
  });
});

describe('conformance example: status and balance as of --to', () => {
  it('matches every expected invoice after replaying the payments up to 2025-06-10', () => {
    const accounts = new Map(replay('2025-01-28', '2025-06-10').accounts.map((a) => [a.invoice.number, a]));
    const expected = expectedInvoices();
    expect(accounts.size).toBe(expected.length);
    for (const e of expected) {
      const a = accounts.get(e.invoice.number);
      expect(a, e.invoice.number).toBeDefined();
      const b = invoiceBalance(a!, '2025-06-10');
      expect([e.invoice.number, b.status, formatMoney(b.balance, e.invoice.currency)]).toEqual([
        e.invoice.number,
        e.status,
        e.balance,
      ]);
    }
  });
});
