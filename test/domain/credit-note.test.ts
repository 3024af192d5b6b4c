import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { totals } from '../../functions/domain/calculate-invoice.js';
import { CreditNoteRefused, creditNoteFor, type CreditNoteInput } from '../../functions/domain/credit-note.js';
import { Dec, minorUnits } from '../../functions/domain/money.js';
import type { AppliedPayment, Invoice, InvoiceLine } from '../../functions/domain/billing-types.js';
import { d } from '../support/builders.js';

const line = (kind: InvoiceLine['kind'], amount: string, extra: Partial<InvoiceLine> = {}): InvoiceLine => ({
  kind,
  ...(kind === 'late_fee' || kind === 'client_credit' ? {} : { sku: 'SEAT', period: '2025-01' }),
  description: `${kind} line`,
  quantity: d(1),
  unitPrice: d(amount),
  amount: d(amount),
  ...extra,
});

function invoice(lines: InvoiceLine[], currency = 'USD', taxRate = '8.25'): Invoice {
  return {
    number: 'INV-2025-000007',
    clientId: 'C001',
    period: '2025-01',
    currency,
    issueDate: '2025-02-01',
    dueDate: '2025-03-03',
    lines,
    ...totals(lines, { taxRate: d(taxRate), currency }),
  };
}

function input(
  inv: Invoice,
  request: CreditNoteInput['request'],
  options: { payments?: AppliedPayment[]; taxRate?: string; asClientCredit?: boolean } = {},
): CreditNoteInput {
  const payments = options.payments ?? [];
  return {
    target: {
      invoice: inv,
      payments,
      paid: payments.reduce((s, p) => s.plus(p.amount), d(0)),
      paymentCount: payments.length,
    },
    request,
    taxRate: d(options.taxRate ?? '8.25'),
    reason: 'Service outage in January',
    issueDate: '2025-02-10',
    ...(options.asClientCredit ? { asClientCredit: true } : {}),
  };
}

const figures = (note: ReturnType<typeof creditNoteFor>, currency = 'USD') => {
  const places = minorUnits(currency);
  return [note.subtotal, note.tax, note.total, note.applied, note.clientCredit].map((v) => v.toFixed(places));
};

describe('creditNoteFor', () => {
  const usd = invoice([line('recurring', '300.00'), line('usage', '45.50'), line('late_fee', '12.00')]);

  it('credits an amount before tax, reversing the tax at the client rate', () => {
    // 33.33 × 8.25% = 2.749725 → 2.75
    const note = creditNoteFor(input(usd, { amount: d('33.33') }));
    expect(figures(note)).toEqual(['33.33', '2.75', '36.08', '36.08', '0.00']);
    expect(note.lines.map((l) => [l.description, l.amount.toFixed(2), l.taxable])).toEqual([
      ['Credit: Service outage in January', '33.33', true],
    ]);
    expect([note.invoiceNumber, note.clientId, note.currency, note.void]).toEqual([
      'INV-2025-000007',
      'C001',
      'USD',
      false,
    ]);
  });

  it('reverses no tax when the invoice taxed nothing', () => {
    const fees = invoice([line('late_fee', '20.00')]);
    expect(figures(creditNoteFor(input(fees, { amount: d('5') })))).toEqual(['5.00', '0.00', '5.00', '5.00', '0.00']);
  });

  it('rounds to the currency: JPY has no decimals, KWD three', () => {
    const jpy = invoice([line('recurring', '12345')], 'JPY', '10');
    // 1001 × 10% = 100.1 → 100
    expect(figures(creditNoteFor(input(jpy, { amount: d('1001') }, { taxRate: '10' })), 'JPY')).toEqual([
      '1001',
      '100',
      '1101',
      '1101',
      '0',
    ]);
    expect(() => creditNoteFor(input(jpy, { amount: d('10.5') }, { taxRate: '10' }))).toThrow(
      'has 1 decimal place but JPY money has no decimals',
    );
    const kwd = invoice([line('recurring', '100.000')], 'KWD', '5');
    // 12.345 × 5% = 0.61725 → 0.617
    expect(figures(creditNoteFor(input(kwd, { amount: d('12.345') }, { taxRate: '5' })), 'KWD')).toEqual([
      '12.345',
      '0.617',
      '12.962',
      '12.962',
      '0.000',
    ]);
  });

  it('credits whole lines, taxing only the taxed ones', () => {
    // lines 2 (usage, taxed) and 3 (late fee, untaxed): tax = round(45.50 × 8.25%) = 3.75
    const note = creditNoteFor(input(usd, { lines: [3, 2] }));
    expect(figures(note)).toEqual(['57.50', '3.75', '61.25', '61.25', '0.00']);
    expect(note.lines.map((l) => [l.invoiceLine, l.amount.toFixed(2), l.taxable, l.sku])).toEqual([
      [2, '45.50', true, 'SEAT'],
      [3, '12.00', false, undefined],
    ]);
  });

  it('refuses lines that do not exist, repeat, were credited, or bill nothing', () => {
    const withCredit = invoice([line('recurring', '50.00'), line('credit', '-10.00'), line('client_credit', '-5.00')]);
    const refused = (request: CreditNoteInput['request'], extra: Partial<CreditNoteInput> = {}) => {
      try {
        creditNoteFor({ ...input(withCredit, request), ...extra });
      } catch (error) {
        return [(error as CreditNoteRefused).field, (error as Error).message];
      }
      return undefined;
    };
    expect(refused({ lines: [4] })).toEqual(['lines', 'Invoice INV-2025-000007 has lines 1 to 3; there is no line 4']);
    expect(refused({ lines: [1, 1] })).toEqual(['lines', 'Line 1 is named twice']);
    expect(refused({ lines: [2] })?.[1]).toContain('only lines above 0 can be credited');
    expect(refused({ lines: [3] })?.[1]).toContain('only lines above 0 can be credited');
    expect(refused({ lines: [1] }, { creditedLines: new Set([1]) })?.[1]).toBe(
      'Line 1 of INV-2025-000007 was credited by an earlier credit note',
    );
    expect(refused({ amount: d(0) })).toEqual(['amount', 'The amount must be more than 0 (got 0)']);
    expect(refused({ amount: d(5) }, { reason: '  ' })).toEqual(['reason', 'A credit note needs a reason']);
    expect(refused({ amount: d(5) }, { issueDate: '2025-01-31' })?.[0]).toBe('date');
  });

  it('refuses a credit above the open balance unless the excess becomes client credit', () => {
    // total 357.50 + round(345.50 × 8.25%) = 386.00; 360 paid: balance 26.00
    const paid: AppliedPayment[] = [{ paymentId: 'P1', amount: d('360.00'), receivedOn: '2025-02-05' }];
    expect(() => creditNoteFor(input(usd, { amount: d('30') }, { payments: paid }))).toThrow(
      'The credit note comes to 32.48 USD, above the open balance of INV-2025-000007 (26.00 USD); credit at most the balance, or keep the excess as client credit (--as-client-credit)',
    );
    const note = creditNoteFor(input(usd, { amount: d('30') }, { payments: paid, asClientCredit: true }));
    expect(figures(note)).toEqual(['30.00', '2.48', '32.48', '26.00', '6.48']);
  });

  it('voids an invoice nothing was applied to: every line, the invoice tax, the balance applied', () => {
    const note = creditNoteFor(input(usd, { void: true }));
    expect(figures(note)).toEqual(['357.50', usd.tax.toFixed(2), usd.total.toFixed(2), usd.total.toFixed(2), '0.00']);
    expect(note.void).toBe(true);
    expect(note.lines.map((l) => l.invoiceLine)).toEqual([1, 2, 3]);
  });

  it('gives back the client credit a voided invoice spent', () => {
    const lines = [line('recurring', '100.00')];
    const base = invoice(lines);
    const spent = invoice([...lines, line('client_credit', '-40.00')]);
    expect(spent.total.toFixed(2)).toBe(base.total.minus(40).toFixed(2));
    const note = creditNoteFor(input(spent, { void: true }));
    expect(figures(note)).toEqual(['100.00', '8.25', '108.25', '68.25', '40.00']);
    expect(note.lines.map((l) => l.invoiceLine)).toEqual([1]);
  });

  it('refuses to void an invoice with a payment or an earlier credit note, or a void one', () => {
    const payment = { paymentId: 'P1', amount: d('1.00'), receivedOn: '2025-02-05' };
    expect(() => creditNoteFor(input(usd, { void: true }, { payments: [payment] }))).toThrow(
      'cannot be voided: payment P1 was applied to it',
    );
    const credit = {
      paymentId: 'CN-2025-000001',
      amount: d('1.00'),
      receivedOn: '2025-02-05',
      creditNote: 'CN-2025-000001',
    };
    expect(() => creditNoteFor(input(usd, { void: true }, { payments: [credit] }))).toThrow(
      'it was already credited by CN-2025-000001',
    );
    const voided = input(usd, { amount: d(1) });
    expect(() => creditNoteFor({ ...voided, target: { ...voided.target, voidedOn: '2025-02-09' } })).toThrow(
      'Invoice INV-2025-000007 was voided on 2025-02-09',
    );
  });

  it('always splits the total into applied and client credit, to the minor unit', () => {
    const currencies = ['USD', 'JPY', 'KWD'];
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 3_000_000 }),
        fc.integer({ min: 0, max: 2500 }),
        (currency, billedMinor, paidMinor, creditMinor, rateBp) => {
          const unit = new Dec(10).pow(-minorUnits(currency));
          const inv = invoice([line('recurring', d(billedMinor).times(unit).toFixed())], currency, '0');
          const paid = Dec.min(d(paidMinor).times(unit), inv.total);
          const payments = paid.isZero() ? [] : [{ paymentId: 'P', amount: paid, receivedOn: '2025-02-02' }];
          const note = creditNoteFor(
            input(
              inv,
              { amount: d(creditMinor).times(unit) },
              { payments, taxRate: d(rateBp).div(100).toFixed(), asClientCredit: true },
            ),
          );
          const places = minorUnits(currency);
          expect(note.applied.plus(note.clientCredit).equals(note.total)).toBe(true);
          expect(note.total.equals(note.subtotal.plus(note.tax))).toBe(true);
          expect(note.applied.lessThanOrEqualTo(inv.total.minus(paid))).toBe(true);
          expect(note.applied.isNegative() || note.clientCredit.isNegative()).toBe(false);
          for (const v of [note.tax, note.applied, note.clientCredit])
            expect(v.decimalPlaces()).toBeLessThanOrEqual(places);
        },
      ),
      { numRuns: 300 },
    );
  });
});
