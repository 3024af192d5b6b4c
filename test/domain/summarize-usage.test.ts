import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Dec } from '../../functions/domain/money.js';
import { aggregateDaily, ExactSum, pairKey, rowCost, summarizeUsage } from '../../functions/domain/summarize-usage.js';
import type { UsageRecord } from '../../functions/domain/billing-types.js';
import { client, d, mapping, product, reference, usage } from '../support/builders.js';

describe('aggregation by the product rule (docs/contract.md §4)', () => {
  const daily = new Map([
    ['2025-01-03', d(5)],
    ['2025-01-01', d(7)],
    ['2025-01-02', d(2)],
  ]);
  it.each([
    ['sum', '14'],
    ['max', '7'],
    ['last', '5'],
    ['avg', '4.666667'],
  ] as const)('%s gives %s', (rule, expected) => {
    expect(aggregateDaily(daily, rule).toFixed()).toBe(expected);
  });
  it('rounds avg half away from zero to 6 places', () => {
    expect(
      aggregateDaily(
        new Map([
          ['2025-01-01', d('0.0000005')],
          ['2025-01-02', d('0.0000005')],
        ]),
        'avg',
      ).toFixed(),
    ).toBe('0.000001');
  });
  it('gives 0 for no days', () => {
    expect(aggregateDaily(new Map(), 'max').toFixed()).toBe('0');
  });
});

describe('summarizeUsage: mapping rows to pairs', () => {
  it('sums rows of the same day before taking max', () => {
    const ref = reference();
    const s = summarizeUsage(ref, '2025-01', [
      usage({ quantity: d(4) }),
      usage({ quantity: d(3) }),
      usage({ quantity: d(6), usageDate: '2025-01-20' }),
    ]);
    expect(s.pairs.get(pairKey('C001', 'SEAT'))?.used.toFixed()).toBe('7');
  });
  it('multiplies by the mapping factor', () => {
    const ref = reference({
      products: [product({ sku: 'HRS', aggregation: 'sum' })],
      skuMap: [mapping({ vendorSku: 'minutes', sku: 'HRS', factor: d('0.0166666667') })],
      agreements: [],
    });
    const s = summarizeUsage(ref, '2025-01', [usage({ vendorSku: 'minutes', quantity: d(9) })]);
    expect(s.pairs.get(pairKey('C001', 'HRS'))?.used.toFixed()).toBe('0.1500000003');
  });
  it('prefers an exact sku mapping to the vendor wildcard', () => {
    const ref = reference({
      products: [product(), product({ sku: 'CLOUD', aggregation: 'sum' })],
      skuMap: [mapping(), mapping({ vendorSku: '*', sku: 'CLOUD' })],
    });
    const s = summarizeUsage(ref, '2025-01', [usage(), usage({ vendorSku: 'other' })]);
    expect(s.pairs.get(pairKey('C001', 'SEAT'))?.rows).toBe(1);
    expect(s.pairs.get(pairKey('C001', 'CLOUD'))?.rows).toBe(1);
  });
  it('keeps unknown accounts, unmapped skus and other currencies out of pairs', () => {
    const s = summarizeUsage(reference(), '2025-01', [
      usage({ accountId: 'nobody', cost: d('3.5') }),
      usage({ vendorSku: 'mystery', unitCost: d(2), quantity: d(3) }),
      usage({ currency: 'EUR', cost: d(10) }),
    ]);
    expect(s.pairs.size).toBe(0);
    expect(s.unknownAccounts.map((u) => [u.key, u.totalCost.toFixed()])).toEqual([['nobody', '3.5']]);
    expect(s.unmappedSkus.map((u) => [u.key, u.totalCost.toFixed()])).toEqual([['mystery', '6']]);
    expect(s.currencyMismatches.map((u) => [u.clientId, u.sku, u.currency])).toEqual([['C001', 'SEAT', 'EUR']]);
  });
  it('ignores rows of other periods', () => {
    const s = summarizeUsage(reference(), '2025-01', [usage({ period: '2025-02', usageDate: '2025-02-01' })]);
    expect(s.pairs.size).toBe(0);
  });
  it('tracks the largest unit cost per product unit', () => {
    const ref = reference({ skuMap: [mapping({ factor: d(2) })] });
    const s = summarizeUsage(ref, '2025-01', [usage({ unitCost: d(10) }), usage({ unitCost: d(30) })]);
    expect(s.pairs.get(pairKey('C001', 'SEAT'))?.maxUnitCost?.toFixed()).toBe('15');
  });
});

describe('rowCost', () => {
  it('is cost, else quantity × unitCost, else none', () => {
    expect(rowCost({ cost: d(5), unitCost: d(100), quantity: d(2) })?.toFixed()).toBe('5');
    expect(rowCost({ unitCost: d('1.25'), quantity: d(4) })?.toFixed()).toBe('5');
    expect(rowCost({ quantity: d(4) })).toBeUndefined();
  });
});

describe('order independence', () => {
  it('gives the same figures for any order of rows', () => {
    const rows = Array.from({ length: 30 }, (_, i) =>
      usage({
        quantity: d(i % 7),
        usageDate: `2025-01-${String((i % 28) + 1).padStart(2, '0')}`,
        unitCost: i % 3 ? d(i) : undefined,
      }),
    );
    const expected = summarizeUsage(reference(), '2025-01', rows);
    fc.assert(
      fc.property(fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }), (shuffled) => {
        const got = summarizeUsage(reference(), '2025-01', shuffled).pairs.get(pairKey('C001', 'SEAT'));
        const want = expected.pairs.get(pairKey('C001', 'SEAT'));
        expect(got?.used.toFixed()).toBe(want?.used.toFixed());
        expect(got?.totalCost?.toFixed()).toBe(want?.totalCost?.toFixed());
        expect(got?.maxUnitCost?.toFixed()).toBe(want?.maxUnitCost?.toFixed());
      }),
    );
  });
});

describe('exact sums without a decimal.js addition per row', () => {
  const literal = fc.oneof(
    fc.constantFrom(
      '0',
      '-0',
      '1',
      '-1',
      '0.0000001',
      '0.00000001',
      '900719925.4740991',
      '99999999999999',
      '1e-9',
      '0.1',
      '-0.3',
      '1234567890123456789012345678901234567890123456789012345678901234.5',
    ),
    fc
      .tuple(fc.boolean(), fc.nat(999_999_999), fc.nat(99_999_999), fc.integer({ min: 0, max: 8 }))
      .map(
        ([negative, whole, fraction, places]) =>
          `${negative ? '-' : ''}${whole}.${String(fraction).padStart(8, '0').slice(0, places) || '0'}`,
      ),
  );
  const shown = (value: Dec): string => `${value.toFixed()}${value.isZero() && value.isNeg() ? ' (-0)' : ''}`;

  it('ExactSum gives what adding left to right with decimal.js gives, sign of zero included', () => {
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 12 }), (texts) => {
        const values = texts.map((text) => d(text));
        const sum = new ExactSum(values[0] as Dec);
        for (const value of values.slice(1)) sum.add(value);
        expect(shown(sum.value())).toBe(
          shown(values.slice(1).reduce((total, value) => total.plus(value), values[0] as Dec)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the largest unit cost per product unit across mappings of different factors, negative ones included', () => {
    const ref = reference({ skuMap: [mapping(), mapping({ vendorSku: 'double', factor: d(2) })] });
    const unitCost = d(-10);
    const s = summarizeUsage(ref, '2025-01', [usage({ unitCost }), usage({ vendorSku: 'double', unitCost })]);
    expect(s.pairs.get(pairKey('C001', 'SEAT'))?.maxUnitCost?.toFixed()).toBe('-5');
  });

  it('rounds a unit cost beyond 60 significant digits as dividing by a factor of 1 does', () => {
    const s = summarizeUsage(reference(), '2025-01', [
      usage({ unitCost: d('1234567890123456789012345678901234567890123456789012345678901234.5') }),
    ]);
    expect(s.pairs.get(pairKey('C001', 'SEAT'))?.maxUnitCost?.toFixed()).toBe(
      '1234567890123456789012345678901234567890123456789012345678900000',
    );
  });

  it('keeps a day of -0 rows at -0, and a cost total at +0', () => {
    const s = summarizeUsage(reference(), '2025-01', [
      usage({ quantity: d('-0'), cost: d('-0') }),
      usage({ quantity: d('-0'), cost: d('-0') }),
    ]);
    const pair = s.pairs.get(pairKey('C001', 'SEAT'));
    expect(pair?.used.isNeg()).toBe(true);
    expect(pair?.totalCost?.isNeg()).toBe(false);
  });
});

/**
 * The summarizer against a plain model of docs/contract.md §4 written with decimal.js alone:
 * rows grouped by pair and day, summed left to right, aggregated by the product's rule; costs
 * added to ZERO; the largest unit cost ÷ factor. Rows cover two clients, products of every
 * rule, a factor, other-period days, values that do not fit the integer sums, and -0.
 */
describe('UsageSummarizer against a decimal.js model', () => {
  const ref = reference({
    clients: [client(), client({ clientId: 'C002' })],
    accounts: [
      { vendor: 'microsoft', accountId: 'T1', clientId: 'C001' },
      { vendor: 'microsoft', accountId: 'T2', clientId: 'C002' },
    ],
    products: [
      product({ sku: 'MAX' }),
      product({ sku: 'SUM', aggregation: 'sum' }),
      product({ sku: 'AVG', aggregation: 'avg' }),
      product({ sku: 'LAST', aggregation: 'last' }),
    ],
    skuMap: [
      mapping({ vendorSku: 'max', sku: 'MAX' }),
      mapping({ vendorSku: 'sum', sku: 'SUM', factor: d('0.5') }),
      mapping({ vendorSku: 'avg', sku: 'AVG' }),
      mapping({ vendorSku: 'last', sku: 'LAST' }),
    ],
  });
  const factorOf = (sku: string): Dec => (sku === 'sum' ? d('0.5') : d(1));
  const value = fc.oneof(
    fc.constantFrom(
      '0',
      '-0',
      '1',
      '2.5',
      '-3',
      '0.0000001',
      '0.00000001',
      '900719925.4740991',
      '99999999999999',
      '12345678901234567890.123',
    ),
    fc.integer({ min: -1000, max: 100_000 }).map(String),
  );
  const row = fc.record({
    accountId: fc.constantFrom('T1', 'T2'),
    vendorSku: fc.constantFrom('max', 'sum', 'avg', 'last'),
    day: fc.constantFrom('2025-01-01', '2025-01-02', '2025-01-31', '2024-12-31', '2025-01-15'),
    quantity: value,
    cost: fc.option(value, { nil: undefined }),
    unitCost: fc.option(value, { nil: undefined }),
  });

  function model(
    rows: readonly UsageRecord[],
  ): Map<string, { rows: number; used: string; totalCost?: string; maxUnitCost?: string }> {
    const byPair = new Map<string, UsageRecord[]>();
    for (const r of rows) {
      const key = pairKey(r.accountId === 'T1' ? 'C001' : 'C002', r.vendorSku.toUpperCase());
      byPair.set(key, [...(byPair.get(key) ?? []), r]);
    }
    const out = new Map<string, { rows: number; used: string; totalCost?: string; maxUnitCost?: string }>();
    for (const [key, list] of byPair) {
      const factor = factorOf(list[0]?.vendorSku ?? '');
      const daily = new Map<string, Dec>();
      for (const r of list) {
        const q = factor.equals(1) ? r.quantity : r.quantity.times(factor);
        const before = daily.get(r.usageDate);
        daily.set(r.usageDate, before === undefined ? q : before.plus(q));
      }
      const costs = list.map((r) => rowCost(r)).filter((c): c is Dec => c !== undefined);
      let max: Dec | undefined;
      for (const r of list) {
        if (r.unitCost === undefined) continue;
        const per = factor.equals(1) ? r.unitCost : r.unitCost.div(factor);
        if (max === undefined || per.greaterThan(max)) max = per;
      }
      const rule = ({ MAX: 'max', SUM: 'sum', AVG: 'avg', LAST: 'last' } as const)[
        list[0]?.vendorSku.toUpperCase() as 'MAX'
      ];
      out.set(key, {
        rows: list.length,
        used: shownSigned(aggregateDaily(daily, rule)),
        ...(costs.length ? { totalCost: shownSigned(costs.reduce((t, c) => t.plus(c), d(0))) } : {}),
        ...(max ? { maxUnitCost: shownSigned(max) } : {}),
      });
    }
    return out;
  }
  const shownSigned = (v: Dec): string => `${v.toFixed()}${v.isZero() && v.isNeg() ? ' (-0)' : ''}`;

  it("gives the model's figures for every pair", () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (specs) => {
        const rows = specs.map((s) =>
          usage({
            accountId: s.accountId,
            vendorSku: s.vendorSku,
            usageDate: s.day,
            period: '2025-01',
            quantity: d(s.quantity),
            ...(s.cost === undefined ? {} : { cost: d(s.cost) }),
            ...(s.unitCost === undefined ? {} : { unitCost: d(s.unitCost) }),
          }),
        );
        const got = summarizeUsage(ref, '2025-01', rows);
        const actual = new Map(
          [...got.pairs].map(([key, p]) => [
            key,
            {
              rows: p.rows,
              used: shownSigned(p.used),
              ...(p.totalCost ? { totalCost: shownSigned(p.totalCost) } : {}),
              ...(p.maxUnitCost ? { maxUnitCost: shownSigned(p.maxUnitCost) } : {}),
            },
          ]),
        );
        expect(actual).toEqual(model(rows));
      }),
      { numRuns: 2000 },
    );
  });
});
