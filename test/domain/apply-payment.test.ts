import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyPayment, type PaymentOutcome } from '../../functions/domain/apply-payment.js';
import { invoiceBalance } from '../../functions/domain/invoice-balance.js';
import { Dec, ZERO } from '../../functions/domain/money.js';
import type { Invoice, InvoiceAccount, Payment } from '../../functions/domain/billing-types.js';
import { d } from '../support/builders.js';

function account(
  total: string | number,
  paid: Array<string | number> = [],
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
  return {
    invoice,
    payments: paid.map((amount, i) => ({ paymentId: `OLD${i}`, amount: d(amount), receivedOn: '2025-02-05' })),
  };
}

function payment(amount: string | number, overrides: Partial<Payment> = {}): Payment {
  return {
    paymentId: 'P1',
    invoiceNumber: 'INV-2025-000001',
    amount: d(amount),
    currency: 'USD',
    receivedOn: '2025-02-10',
    ...overrides,
  };
}

const summary = (o: PaymentOutcome) => ({
  applied: o.applied?.amount.toFixed(),
  unapplied: o.unapplied?.amount.toFixed(),
  reason: o.unapplied?.reason,
  duplicate: o.duplicate,
});

describe('a payment applies to its invoice on received_on (docs/contract.md §6)', () => {
  it('applies a payment up to the open balance whole', () => {
    const outcome = applyPayment(payment('40.50'), account(100));
    expect(outcome.applied).toEqual({ paymentId: 'P1', amount: d('40.5'), receivedOn: '2025-02-10' });
    expect(outcome.unapplied).toBeUndefined();
  });
  it('applies a payment of exactly the balance, which pays the invoice', () => {
    const target = account(100, [30]);
    const outcome = applyPayment(payment(70), target);
    expect(summary(outcome)).toEqual({ applied: '70', unapplied: undefined, reason: undefined, duplicate: undefined });
    expect(invoiceBalance({ ...target, payments: [...target.payments, outcome.applied!] }).status).toBe('paid');
  });
});

describe('once per payment_id', () => {
  it('treats a payment already applied to the invoice as a duplicate', () => {
    const target = { ...account(100), payments: [{ paymentId: 'P1', amount: d(40), receivedOn: '2025-02-10' }] };
    expect(applyPayment(payment(40), target)).toEqual({ duplicate: true });
  });
  it('treats a payment id the caller already recorded (even unapplied) as a duplicate', () => {
    expect(applyPayment(payment(40), undefined, { recordedPaymentIds: new Set(['P1']) })).toEqual({ duplicate: true });
  });
});

describe('money that cannot be applied becomes unapplied, never dropped', () => {
  it.each([
    ['an unknown invoice number', payment(50), undefined, 'unknown_invoice', '50'],
    [
      'an invoice not issued yet on received_on',
      payment(50, { receivedOn: '2025-01-31' }),
      account(100),
      'unknown_invoice',
      '50',
    ],
    [
      'another invoice than the one given',
      payment(50, { invoiceNumber: 'INV-2025-000009' }),
      account(100),
      'unknown_invoice',
      '50',
    ],
    ['another currency than the invoice', payment(50, { currency: 'EUR' }), account(100), 'currency_mismatch', '50'],
    ['a payment on a paid invoice', payment(10), account(100, [100]), 'overpayment', '10'],
  ] as const)('leaves the whole amount unapplied for %s', (_name, p, target, reason, amount) => {
    const outcome = applyPayment(p, target);
    expect(outcome.applied).toBeUndefined();
    expect(outcome.unapplied).toEqual({
      paymentId: 'P1',
      invoiceNumber: p.invoiceNumber,
      amount: d(amount),
      currency: p.currency,
      reason,
      receivedOn: p.receivedOn,
    });
  });
  it('applies the open balance of an overpayment and leaves the excess unapplied', () => {
    expect(summary(applyPayment(payment('120.25'), account(100, [30])))).toEqual({
      applied: '70',
      unapplied: '50.25',
      reason: 'overpayment',
      duplicate: undefined,
    });
  });
  it.each([
    ['KWD', '10.125', '10.625', '10.125', '0.5'],
    ['KWD', '10.125', '0.001', '0.001', undefined],
    ['JPY', '980', '1000', '980', '20'],
  ] as const)('keeps %s amounts exact (total %s, paid %s)', (currency, total, amount, applied, unapplied) => {
    const outcome = applyPayment(payment(amount, { currency }), account(total, [], { currency }));
    expect([
      outcome.applied?.amount.toFixed(),
      outcome.unapplied?.amount.toFixed(),
      outcome.unapplied?.currency,
    ]).toEqual([applied, unapplied, unapplied && currency]);
  });
});

describe('negative payments (refunds and credit-note settlements)', () => {
  it.each([
    ['settles a credit note of the same amount', -361, [], -361, '-361', undefined],
    ['settles part of a credit note', -361, [], -300, '-300', undefined],
    ['settles a credit note at most, the excess is unapplied', -361, [], -400, '-361', '-39'],
    ['refunds at most what was paid on an invoice', 100, [60], -80, '-60', '-20'],
    ['is unapplied whole on an invoice nobody paid', 100, [], -50, undefined, '-50'],
  ] as const)('%s', (_name, total, paid, amount, applied, unapplied) => {
    const outcome = applyPayment(payment(amount, { currency: 'JPY' }), account(total, [...paid], { currency: 'JPY' }));
    expect([outcome.applied?.amount.toFixed(), outcome.unapplied?.amount.toFixed()]).toEqual([applied, unapplied]);
  });
  it('leaves the conformance credit note OSP-2025-000020 paid with balance 0', () => {
    const target = account(-361, [], { number: 'OSP-2025-000020', currency: 'JPY', issueDate: '2025-03-01' });
    const outcome = applyPayment(
      payment(-361, { invoiceNumber: 'OSP-2025-000020', currency: 'JPY', receivedOn: '2025-03-20' }),
      target,
    );
    const after = invoiceBalance({ ...target, payments: [outcome.applied!] });
    expect([after.balance.toFixed(), after.status, after.paidOn]).toEqual(['0', 'paid', '2025-03-20']);
  });
});

describe('properties', () => {
  const cents = fc.integer({ min: -50_000, max: 50_000 }).map((n) => new Dec(n).div(100));
  it('never loses money and keeps what was paid between 0 and the total', () => {
    fc.assert(
      fc.property(cents, fc.array(fc.tuple(cents, fc.boolean()), { maxLength: 12 }), (total, stream) => {
        let target: InvoiceAccount = account(total.toFixed());
        stream.forEach(([amount, otherCurrency], i) => {
          const p = payment(amount.toFixed(), { paymentId: `P${i}`, currency: otherCurrency ? 'EUR' : 'USD' });
          const outcome = applyPayment(p, target);
          const applied = outcome.applied?.amount ?? ZERO;
          const unapplied = outcome.unapplied?.amount ?? ZERO;
          expect(applied.plus(unapplied).equals(amount)).toBe(true);
          if (outcome.applied) target = { ...target, payments: [...target.payments, outcome.applied] };
          expect(applyPayment(p, target).duplicate === true || !outcome.applied).toBe(true);
          const paid = invoiceBalance(target).paid;
          expect(paid.greaterThanOrEqualTo(Dec.min(0, total)) && paid.lessThanOrEqualTo(Dec.max(0, total))).toBe(true);
        });
      }),
    );
  });
});
