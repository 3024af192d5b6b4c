import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { discrepancyId, reconcilePeriod } from '../../functions/domain/reconcile-period.js';
import { summarizeUsage } from '../../functions/domain/summarize-usage.js';
import { Dec } from '../../functions/domain/money.js';
import type { ReferenceData, UsageRecord } from '../../functions/domain/billing-types.js';
import { agreement, client, d, mapping, product, reference, usage } from '../support/builders.js';

function reconcile(ref: ReferenceData, rows: UsageRecord[], period = '2025-01') {
  return reconcilePeriod(ref, summarizeUsage(ref, period, rows));
}

describe('pair status, checked top to bottom (docs/contract.md §4)', () => {
  it.each([
    // [case, agreement overrides or null, usage quantities, status, amountAtStake]
    ['no usage for a contracted line', {}, [], 'missing_usage', '125.00'],
    ['no usage, C = 0 per_unit', { quantity: d(0) }, [], 'match', '0.00'],
    ['no usage for cost_plus, any C', { pricing: 'cost_plus', quantity: d(0) }, [], 'missing_usage', '0.00'],
    ['cost_plus with usage', { pricing: 'cost_plus' }, [3], 'usage_billed', '0.00'],
    ['usage equals contract', {}, [10], 'match', '0.00'],
    ['within tolerance', { tolerance: d(2) }, [12], 'match', '0.00'],
    ['above tolerance', { tolerance: d(2) }, [13], 'under_billed', '37.50'],
    ['over contract', {}, [11], 'under_billed', '12.50'],
    ['under contract', {}, [7], 'over_billed', '37.50'],
    ['below tolerance', { tolerance: d(1) }, [8], 'over_billed', '25.00'],
  ] as const)('%s → %s', (_, overrides, quantities, status, amount) => {
    const ref = reference({ agreements: [agreement(overrides as object)] });
    const r = reconcile(
      ref,
      quantities.map((q) => usage({ quantity: d(q) })),
    );
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0]?.status).toBe(status);
    expect(r.pairs[0]?.amountAtStake.toFixed(2)).toBe(amount);
  });

  it("prices unbilled usage at list price, else the rows' cost, else 0", () => {
    const withList = reference({ agreements: [], products: [product({ listPrice: d('9.99') })] });
    expect(reconcile(withList, [usage({ quantity: d(3), cost: d(1) })]).pairs[0]?.amountAtStake.toFixed()).toBe(
      '29.97',
    );
    const noList = reference({ agreements: [] });
    expect(reconcile(noList, [usage({ quantity: d(3), cost: d('1.005') })]).pairs[0]?.amountAtStake.toFixed()).toBe(
      '1.01',
    );
    expect(reconcile(noList, [usage({ quantity: d(3) })]).pairs[0]?.amountAtStake.toFixed()).toBe('0');
  });

  it('uses only the line active in the period', () => {
    const ref = reference({
      agreements: [agreement({ endDate: '2024-12-31' }), agreement({ agreementId: 'A2', startDate: '2025-02-01' })],
    });
    const r = reconcile(ref, [usage({ quantity: d(4) })]);
    expect(r.pairs[0]?.status).toBe('unbilled_usage');
  });

  it('rounds amounts to the client currency', () => {
    const ref = reference({
      clients: [client({ currency: 'KWD' })],
      agreements: [agreement({ unitPrice: d('1.2345') })],
    });
    expect(reconcile(ref, [usage({ quantity: d(11) })]).pairs[0]?.amountAtStake.toFixed()).toBe('1.235');
    const jpy = reference({
      clients: [client({ currency: 'JPY' })],
      agreements: [agreement({ unitPrice: d('56.6') })],
    });
    expect(reconcile(jpy, [usage({ quantity: d(14) })]).pairs[0]?.amountAtStake.toFixed()).toBe('226');
  });
});

describe('discrepancies', () => {
  it('raises negative_margin when the largest unit cost exceeds the price', () => {
    const ref = reference();
    const r = reconcile(ref, [
      usage({ quantity: d(10), unitCost: d(12) }),
      usage({ quantity: d(10), unitCost: d(14), usageDate: '2025-01-16' }),
    ]);
    const margin = r.discrepancies.find((x) => x.type === 'negative_margin');
    expect(margin?.amountAtStake?.toFixed()).toBe('15'); // (14 − 12.5) × 10
    expect(r.discrepancies.map((x) => x.type)).toEqual(['negative_margin']);
  });

  it("raises unknown_account and unmapped_sku with the rows' currency, else the settings currency", () => {
    const r = reconcile(reference(), [
      usage({ accountId: 'X', cost: d(5), currency: 'EUR' }),
      usage({ vendorSku: 'mystery' }),
    ]);
    const byType = Object.fromEntries(r.discrepancies.map((x) => [x.type, x]));
    expect(byType.unknown_account).toMatchObject({ vendor: 'microsoft', accountId: 'X', currency: 'EUR' });
    expect(byType.unknown_account?.amountAtStake?.toFixed()).toBe('5');
    expect(byType.unmapped_sku).toMatchObject({ vendor: 'microsoft', vendorSku: 'mystery', currency: 'USD' });
  });

  it('raises one currency_mismatch per (client, sku) and leaves those rows out', () => {
    const r = reconcile(reference(), [usage({ currency: 'EUR' }), usage({ currency: 'EUR', usageDate: '2025-01-17' })]);
    expect(r.discrepancies.filter((x) => x.type === 'currency_mismatch')).toHaveLength(1);
    expect(r.pairs[0]?.status).toBe('missing_usage');
  });

  it('raises one unknown_account per (vendor, account) when some rows carry the settings currency and others none', () => {
    // e.g. a canonical file without a currency column and a vendor export saying USD
    const rows = [
      usage({ accountId: 'X', cost: d(5), source: { file: 'a.csv', line: 2 } }),
      usage({ accountId: 'X', cost: d('2.25'), currency: 'USD', source: { file: 'b.csv', line: 2 } }),
      usage({ accountId: 'X', cost: d(1), currency: 'EUR', source: { file: 'b.csv', line: 3 } }),
    ];
    const unknown = reconcile(reference(), rows).discrepancies.filter((x) => x.type === 'unknown_account');
    expect(unknown.map((x) => [x.accountId, x.currency, x.amountAtStake?.toFixed(2), x.detail])).toEqual([
      ['X', 'EUR', '1.00', '1 row'],
      ['X', 'USD', '7.25', '2 rows'],
    ]);
    expect(new Set(unknown.map((x) => x.id)).size).toBe(2);
  });

  it('raises one unmapped_sku per (vendor, vendor sku) when some rows carry the settings currency and others none', () => {
    const rows = [
      usage({ vendorSku: 'mystery', cost: d(3) }),
      usage({ vendorSku: 'mystery', cost: d(4), currency: 'USD' }),
    ];
    const unmapped = reconcile(reference(), rows).discrepancies.filter((x) => x.type === 'unmapped_sku');
    expect(unmapped.map((x) => [x.vendorSku, x.currency, x.amountAtStake?.toFixed(2)])).toEqual([
      ['mystery', 'USD', '7.00'],
    ]);
  });

  it('keeps the id of an unknown_account whose rows never split', () => {
    const ref = reference();
    const alone = reconcile(ref, [usage({ accountId: 'X', cost: d(5) })]).discrepancies[1];
    const merged = reconcile(ref, [usage({ accountId: 'X', cost: d(5) }), usage({ accountId: 'X', currency: 'USD' })])
      .discrepancies[1];
    expect(alone?.type).toBe('unknown_account');
    expect(merged?.id).toBe(alone?.id);
  });

  it('raises one currency_mismatch per (client, sku) whichever vendors and currencies the rows came from', () => {
    const ref = reference({
      accounts: [
        { vendor: 'microsoft', accountId: 'T1', clientId: 'C001' },
        { vendor: 'pax8', accountId: 'P1', clientId: 'C001' },
      ],
      skuMap: [mapping(), mapping({ vendor: 'pax8', vendorSku: 'p-seat' })],
    });
    const single = reconcile(ref, [usage({ currency: 'EUR', cost: d(2) })]).discrepancies.find(
      (x) => x.type === 'currency_mismatch',
    );
    const r = reconcile(ref, [
      usage({ currency: 'EUR', cost: d(2) }),
      usage({ vendor: 'pax8', accountId: 'P1', vendorSku: 'p-seat', currency: 'EUR', cost: d(3) }),
      usage({ vendor: 'pax8', accountId: 'P1', vendorSku: 'p-seat', currency: 'GBP', cost: d(1) }),
    ]);
    const mismatches = r.discrepancies.filter((x) => x.type === 'currency_mismatch');
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toMatchObject({ clientId: 'C001', sku: 'SEAT', currency: 'EUR', amountAtStake: null });
    expect(mismatches[0]?.vendor).toBeUndefined();
    expect(mismatches[0]?.detail).toBe('3 rows left out: 2 rows in EUR costing 5 EUR, 1 row in GBP costing 1 GBP');
    // One vendor and one currency: the entry, its id and its detail as they always were.
    expect(single).toMatchObject({ vendor: 'microsoft', detail: '1 row in EUR costing 2 EUR left out' });
    expect(single?.id).toBe(
      discrepancyId('2025-01', 'currency_mismatch', {
        clientId: 'C001',
        sku: 'SEAT',
        vendor: 'microsoft',
        currency: 'EUR',
      }),
    );
    expect(single?.currency).toBe('EUR'); // the rows' currency, not the client's USD
  });

  it('groups unmatched rows as docs/contract.md §4 says, over any mix of vendors, accounts, skus and currencies', () => {
    const ref = reference({
      accounts: [
        { vendor: 'microsoft', accountId: 'T1', clientId: 'C001' },
        { vendor: 'pax8', accountId: 'T1', clientId: 'C001' },
      ],
      skuMap: [mapping(), mapping({ vendor: 'pax8' })],
    });
    const rowArb = fc.record({
      vendor: fc.constantFrom('microsoft', 'pax8'),
      accountId: fc.constantFrom('T1', 'X', 'Y'),
      vendorSku: fc.constantFrom('seat-sku', 'mystery'),
      currency: fc.constantFrom(undefined, 'USD', 'EUR'),
      cents: fc.option(fc.integer({ min: -999, max: 99_999 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 30 }), (specs) => {
        const rows = specs.map(({ cents, currency, ...rest }) =>
          usage({
            ...rest,
            ...(currency ? { currency } : {}),
            ...(cents !== undefined ? { cost: d(cents).div(1000) } : {}),
          }),
        );
        // The model: group keys and total costs, rows without a currency in the settings' USD.
        const model = new Map<string, Dec>();
        for (const row of rows) {
          const known = row.accountId === 'T1';
          const currency = row.currency ?? 'USD';
          const key = !known
            ? `unknown_account|${row.vendor}|${row.accountId}|${currency}`
            : row.vendorSku === 'mystery'
              ? `unmapped_sku|${row.vendor}|${row.vendorSku}|${currency}`
              : currency !== 'USD'
                ? 'currency_mismatch|C001|SEAT'
                : undefined;
          if (key) model.set(key, (model.get(key) ?? d(0)).plus(row.cost ?? 0));
        }
        const found = reconcile(ref, rows).discrepancies.filter((x) =>
          ['unknown_account', 'unmapped_sku', 'currency_mismatch'].includes(x.type),
        );
        const keyOf = (x: (typeof found)[number]): string =>
          x.type === 'currency_mismatch'
            ? `${x.type}|${x.clientId}|${x.sku}`
            : `${x.type}|${x.vendor}|${x.accountId ?? x.vendorSku}|${x.currency}`;
        expect(found.map(keyOf).sort()).toEqual([...model.keys()].sort());
        for (const x of found.filter((f) => f.type !== 'currency_mismatch')) {
          const total = (model.get(keyOf(x)) ?? d(0)).toDecimalPlaces(2, Dec.ROUND_HALF_UP); // rounded once, over all the rows
          expect(x.amountAtStake?.eq(total), `${keyOf(x)}: ${x.amountAtStake?.toFixed()} vs ${total.toFixed()}`).toBe(
            true,
          );
        }
        expect(new Set(found.map((x) => x.id)).size).toBe(found.length);
      }),
      { numRuns: 300 },
    );
  });

  it('counts the discrepancy rate over pairs, rounded to 4 places', () => {
    const ref = reference({
      products: [product(), product({ sku: 'B' }), product({ sku: 'C' })],
      agreements: [
        agreement(),
        agreement({ agreementId: 'A2', sku: 'B', quantity: d(0) }),
        agreement({ agreementId: 'A3', sku: 'C', quantity: d(0) }),
      ],
    });
    const r = reconcile(ref, []);
    expect(r.metrics).toMatchObject({ pairs: 3, discrepancies: 1 });
    expect(r.metrics.discrepancyRate.toFixed()).toBe('0.3333');
  });

  it('gives the same ids for the same inputs, whatever the row order', () => {
    const rows = [
      usage({ quantity: d(3) }),
      usage({ accountId: 'X' }),
      usage({ vendorSku: 'nope' }),
      usage({ quantity: d(2), usageDate: '2025-01-02', unitCost: d(20) }),
    ];
    const ids = reconcile(reference(), rows).discrepancies.map((x) => x.id);
    fc.assert(
      fc.property(fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }), (shuffled) => {
        expect(reconcile(reference(), shuffled).discrepancies.map((x) => x.id)).toEqual(ids);
      }),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});
