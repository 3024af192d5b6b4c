import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calculateInvoice, isDueIn, type InvoiceInput } from '../../functions/domain/calculate-invoice.js';
import { Dec, sum } from '../../functions/domain/money.js';
import { reconcilePeriod } from '../../functions/domain/reconcile-period.js';
import { summarizeUsage } from '../../functions/domain/summarize-usage.js';
import type { Agreement, LateFee, UsageRecord } from '../../functions/domain/billing-types.js';
import { agreement, client, d, product, reference, usage } from '../support/builders.js';

function invoice(agreements: Agreement[], rows: UsageRecord[] = [], overrides: Partial<InvoiceInput> = {}) {
  const ref = reference({
    agreements,
    products: [product(), product({ sku: 'CLOUD', name: 'Cloud', aggregation: 'sum' })],
  });
  const period = '2025-01';
  const pairs = reconcilePeriod(ref, summarizeUsage(ref, period, rows)).pairs;
  return calculateInvoice({
    client: ref.clients[0]!,
    issueDate: '2025-02-01',
    recurringTiming: 'arrears',
    agreements,
    products: ref.products,
    pairs,
    lateFees: [],
    ...overrides,
  });
}

const line = (overrides: Partial<Agreement> = {}) => agreement(overrides);
const rows = (q: number) => [usage({ quantity: d(q) })];

describe('recurring lines (docs/contract.md §5)', () => {
  it('bills a monthly line for the whole service month', () => {
    const inv = invoice([line()], rows(10));
    expect(
      inv?.lines.map((l) => [l.kind, l.period, l.quantity.toFixed(), l.unitPrice.toFixed(), l.amount.toFixed()]),
    ).toEqual([['recurring', '2025-01', '10', '12.5', '125']]);
  });
  it('bills the service month M when timing is advance, P when arrears', () => {
    expect(invoice([line()], rows(10), { recurringTiming: 'advance' })?.lines[0]?.period).toBe('2025-02');
    expect(invoice([line()], rows(10), { recurringTiming: 'arrears' })?.lines[0]?.period).toBe('2025-01');
  });
  it('prorates a monthly line by active days, multiplying before dividing and rounding once', () => {
    // 3 × 14.42 × 6 / 31 = 8.3729… → 8.37
    const inv = invoice([line({ quantity: d(3), unitPrice: d('14.42'), startDate: '2025-01-26' })], rows(3));
    expect(inv?.lines[0]?.amount.toFixed()).toBe('8.37');
    // ends on the 3rd of February 2025 (28 days): 15 × 57 × 3 / 28 = 91.607… → 91.61
    const ending = invoice([line({ quantity: d(15), unitPrice: d(57), endDate: '2025-02-03' })], [], {
      recurringTiming: 'advance',
    });
    expect(ending?.lines[0]?.amount.toFixed(2)).toBe('91.61');
  });
  it.each([
    ['quarterly', '2024-11-01', '2025-01', false],
    ['quarterly', '2024-11-01', '2025-02', true],
    ['quarterly', '2024-10-15', '2025-01', true],
    ['annual', '2024-03-01', '2025-03', true],
    ['annual', '2024-03-01', '2025-02', false],
    ['monthly', '2024-03-31', '2025-02', true],
  ] as const)('%s from %s is due in %s: %s', (billingFrequency, startDate, period, due) => {
    expect(isDueIn({ billingFrequency, startDate }, period)).toBe(due);
  });
  it('bills quarterly and annual lines at 3 and 12 months without proration', () => {
    const q = invoice(
      [line({ billingFrequency: 'quarterly', startDate: '2024-10-20', quantity: d(26), unitPrice: d('22.93') })],
      rows(26),
    );
    expect(q?.lines[0]).toMatchObject({ kind: 'recurring' });
    expect([q?.lines[0]?.unitPrice.toFixed(), q?.lines[0]?.amount.toFixed()]).toEqual(['68.79', '1788.54']);
    const a = invoice(
      [line({ billingFrequency: 'annual', startDate: '2024-01-06', quantity: d(4), unitPrice: d('0.84') })],
      rows(4),
    );
    expect([a?.lines[0]?.unitPrice.toFixed(), a?.lines[0]?.amount.toFixed()]).toEqual(['10.08', '40.32']);
  });
  it('does not bill cost_plus lines as recurring', () => {
    expect(invoice([line({ sku: 'CLOUD', pricing: 'cost_plus', quantity: d(1), unitPrice: d(0) })])).toBeUndefined();
  });
});

describe('true-up, credit and usage lines', () => {
  it('bills an under_billed pair when true_up is bill', () => {
    const inv = invoice([line({ trueUp: 'bill' })], rows(13));
    expect(inv?.lines.map((l) => [l.kind, l.quantity.toFixed(), l.amount.toFixed()])).toEqual([
      ['recurring', '10', '125'],
      ['true_up', '3', '37.5'],
    ]);
  });
  it('only flags when true_up is flag', () => {
    expect(invoice([line({ trueUp: 'flag' })], rows(13))?.lines.map((l) => l.kind)).toEqual(['recurring']);
  });
  it('credits an over_billed pair when true_up is credit', () => {
    const inv = invoice([line({ trueUp: 'credit' })], rows(7));
    expect(inv?.lines.map((l) => [l.kind, l.quantity.toFixed(), l.amount.toFixed()])).toEqual([
      ['recurring', '10', '125'],
      ['credit', '-3', '-37.5'],
    ]);
  });
  it('bills cost_plus usage at cost plus markup, rounded once', () => {
    const cloud = line({
      agreementId: 'AC',
      sku: 'CLOUD',
      pricing: 'cost_plus',
      quantity: d(1),
      unitPrice: d(0),
      markupPercent: d('12.5'),
    });
    const ref = reference({
      accounts: [{ vendor: 'aws', accountId: '1', clientId: 'C001' }],
      skuMap: [{ vendor: 'aws', vendorSku: '*', sku: 'CLOUD', factor: d(1) }],
    });
    const usageRows = [0, 1, 2].map((i) =>
      usage({ vendor: 'aws', accountId: '1', vendorSku: `EC2:${i}`, quantity: d(1), cost: d('0.0104') }),
    );
    const pairs = reconcilePeriod(
      { ...ref, agreements: [cloud], products: [product({ sku: 'CLOUD', aggregation: 'sum' })] },
      summarizeUsage({ ...ref, products: [product({ sku: 'CLOUD', aggregation: 'sum' })] }, '2025-01', usageRows),
    ).pairs;
    const inv = calculateInvoice({
      client: client(),
      issueDate: '2025-02-01',
      recurringTiming: 'arrears',
      agreements: [cloud],
      products: [product({ sku: 'CLOUD' })],
      pairs,
      lateFees: [],
    });
    expect(inv?.lines.map((l) => [l.kind, l.quantity.toFixed(), l.unitPrice.toFixed(), l.amount.toFixed()])).toEqual([
      ['usage', '1', '0.04', '0.04'],
    ]); // 0.0312 × 1.125 = 0.0351
  });
});

describe('late fees, totals and order', () => {
  const fee = (invoiceNumber: string, chargedOn: string, amount: string): LateFee => ({
    invoiceNumber,
    clientId: 'C001',
    currency: 'USD',
    amount: d(amount),
    step: 'late',
    chargedOn,
  });

  it('adds late fee lines and leaves them out of tax', () => {
    const inv = invoice([line()], rows(10), {
      client: client({ taxRate: d('5.5') }),
      lateFees: [fee('INV-2025-000002', '2025-01-20', '10'), fee('INV-2025-000001', '2025-01-20', '2.5')],
    });
    expect(inv?.lines.map((l) => [l.kind, l.description])).toEqual([
      ['recurring', 'Seat, 2025-01'],
      ['late_fee', 'Late fee on INV-2025-000001'],
      ['late_fee', 'Late fee on INV-2025-000002'],
    ]);
    expect([inv?.subtotal.toFixed(), inv?.tax.toFixed(), inv?.total.toFixed()]).toEqual(['137.5', '6.88', '144.38']);
  });
  it('issues an invoice for late fees alone', () => {
    expect(invoice([], [], { lateFees: [fee('INV-1', '2025-01-02', '10')] })?.lines).toHaveLength(1);
  });
  it('issues nothing when there is no line', () => {
    expect(invoice([])).toBeUndefined();
  });
  it('orders recurring, true_up, credit, usage, late_fee, then by sku and agreement id', () => {
    const inv = invoice(
      [line({ agreementId: 'B', sku: 'SEAT' }), line({ agreementId: 'A', sku: 'CLOUD', quantity: d(0) })],
      rows(12),
      { lateFees: [fee('INV-1', '2025-01-02', '1')] },
    );
    expect(inv?.lines.map((l) => `${l.kind}:${l.sku ?? ''}`)).toEqual([
      'recurring:CLOUD',
      'recurring:SEAT',
      'true_up:SEAT',
      'late_fee:',
    ]);
  });
  it('dates the invoice on the run day and makes it due after the client terms', () => {
    const inv = invoice([line()], rows(10), { client: client({ paymentTermsDays: 7 }) });
    expect([inv?.issueDate, inv?.dueDate, inv?.period]).toEqual(['2025-02-01', '2025-02-08', '2025-01']);
  });
});

describe('invariants', () => {
  const money = fc.integer({ min: 0, max: 10_000_000 }).map((cents) => new Dec(cents).div(100));
  const qty = fc.integer({ min: 0, max: 500 });
  it('subtotal is the sum of the lines, total is subtotal plus tax, amounts are whole cents', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(qty, money, qty, fc.constantFrom('bill', 'credit', 'flag')), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 2500 }),
        (specs, taxBasisPoints) => {
          const agreements = specs.map(([q, price, , trueUp], i) =>
            line({
              agreementId: `A${i}`,
              sku: `S${i}`,
              quantity: d(q),
              unitPrice: price,
              trueUp: trueUp as Agreement['trueUp'],
            }),
          );
          const ref = reference({
            agreements,
            products: specs.map((_, i) => product({ sku: `S${i}` })),
            skuMap: specs.map((_, i) => ({ vendor: 'microsoft', vendorSku: `v${i}`, sku: `S${i}`, factor: d(1) })),
          });
          const usageRows = specs.map(([, , used], i) => usage({ vendorSku: `v${i}`, quantity: d(used) }));
          const pairs = reconcilePeriod(ref, summarizeUsage(ref, '2025-01', usageRows)).pairs;
          const inv = calculateInvoice({
            client: client({ taxRate: new Dec(taxBasisPoints).div(100) }),
            issueDate: '2025-02-01',
            recurringTiming: 'arrears',
            agreements,
            products: ref.products,
            pairs,
            lateFees: [],
          });
          if (!inv) return;
          expect(inv.subtotal.equals(sum(inv.lines.map((l) => l.amount)))).toBe(true);
          expect(inv.total.equals(inv.subtotal.plus(inv.tax))).toBe(true);
          for (const l of inv.lines) expect(l.amount.decimalPlaces()).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 200 },
    );
  });
});
