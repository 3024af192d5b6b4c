/**
 * Real files written by others (test/fixtures/samples, a copy of shared/samples), the Partner Center fixture built from
 * FIELDS.md, and the conformance usage files, with exact counts and totals. Totals are
 * recomputed here from the raw cells (papaparse + Dec), independently of the readers.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { Dec, ZERO } from '../../functions/domain/money.js';
import type { UsageRecord } from '../../functions/domain/billing-types.js';
import { detectFormat } from '../../functions/ingest/read-usage-file.js';
import { FIXTURES, SHARED, counts, readBytes, readPath, referenceSet } from './helpers.js';

const SAMPLES = join(SHARED, 'samples');
const USAGE = join(SHARED, 'conformance/data/usage');

function rawRows(path: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true }).data;
}

function sumBy(
  records: readonly UsageRecord[],
  key: (r: UsageRecord) => string,
  value: (r: UsageRecord) => Dec | undefined,
): Map<string, string> {
  const totals = new Map<string, Dec>();
  for (const r of records) totals.set(key(r), (totals.get(key(r)) ?? ZERO).plus(value(r) ?? ZERO));
  return new Map([...totals].map(([k, v]) => [k, v.toFixed()]));
}

describe('FOCUS 1.0 sample (FinOps Foundation)', () => {
  const path = join(SAMPLES, 'focus/focus_sample_1.0_finops_foundation.csv');

  it('reads all 1,000 rows as FOCUS', async () => {
    const { summary, records } = await readPath(path);
    expect(summary.format).toBe('focus');
    expect(counts(summary)).toEqual([1000, 1000, 0, 0]);
    expect(records).toHaveLength(1000);
  });

  it('sums BilledCost per SubAccountId exactly as the raw cells do', async () => {
    // Prepare
    const expected = new Map<string, Dec>();
    for (const row of rawRows(path)) {
      if (row.ChargeCategory === 'Tax') continue;
      const account = row.SubAccountId as string;
      expected.set(account, (expected.get(account) ?? ZERO).plus(new Dec(row.BilledCost as string)));
    }
    // Act
    const { records } = await readPath(path);
    const actual = sumBy(
      records,
      (r) => r.accountId,
      (r) => r.cost,
    );
    // Assess
    expect(actual.size).toBe(73);
    expect(actual).toEqual(new Map([...expected].map(([k, v]) => [k, v.toFixed()])));
    expect(actual.get('11353890204')).toBe('13.6164825497');
    expect(actual.get('/subscriptions/ed570627-0265-4620-bb42-bae06bcfa914')).toBe('1.58088');
    expect(actual.get('18938484842')).toBe('1.3408546746');
    expect(
      sumBy(
        records,
        () => 'all',
        (r) => r.cost,
      ).get('all'),
    ).toBe('20.52022672899');
  });

  it('takes quantity from Usage and Purchase rows, period from BillingPeriodStart, vendor from ProviderName', async () => {
    const { records } = await readPath(path);
    expect(
      sumBy(
        records,
        () => 'all',
        (r) => r.quantity,
      ).get('all'),
    ).toBe('13302.62931081682');
    expect(
      sumBy(
        records,
        (r) => r.period,
        () => new Dec(1),
      ),
    ).toEqual(
      new Map([
        ['2024-09', '999'],
        ['2024-10', '1'],
      ]),
    );
    expect(new Set(records.map((r) => r.vendor))).toEqual(new Set(['aws', 'microsoft', 'oracle']));
    expect(records.every((r) => r.usageDate.startsWith('2024-09-') && r.currency === 'USD')).toBe(true);
  });
});

describe('FOCUS spec dirty examples', () => {
  it.each([
    ['focus_spec_saas_simple_agreements_a2.csv', 1],
    ['focus_spec_saas_simple_agreements_c.csv', 3],
  ])('rejects every row of %s, naming the empty SubAccountId', async (name, rows) => {
    const { summary } = await readPath(join(SAMPLES, 'focus', name));
    expect(summary.format).toBe('focus');
    expect(counts(summary)).toEqual([rows, 0, rows, 0]);
    expect(summary.rejections.map((r) => [r.line, r.field, r.reason])).toEqual(
      Array.from({ length: rows }, (_, i) => [i + 2, 'SubAccountId', 'is required']),
    );
  });
});

describe('FOCUS corrections', () => {
  it('reads a Usage correction without PricingQuantity as quantity 0 with its cost, and rejects any other Usage row without it', async () => {
    // Prepare: FOCUS lets PricingQuantity be null only when ChargeClass is "Correction".
    const csv = [
      'BilledCost,ChargePeriodStart,SubAccountId,SkuId,PricingQuantity,ChargeCategory,ChargeClass,ProviderName,BillingPeriodStart,BillingCurrency',
      '-12.50,2024-09-01T00:00:00Z,sub1,SKU1,,Usage,Correction,AWS,2024-09-01T00:00:00Z,USD',
      '3.25,2024-09-02T00:00:00Z,sub1,SKU1,,Usage,,AWS,2024-09-01T00:00:00Z,USD',
      '-4,2024-09-03T00:00:00Z,sub1,SKU1,-2,Purchase,correction,AWS,2024-09-01T00:00:00Z,USD',
    ].join('\n');
    // Act
    const { summary, records } = await readBytes('corrections.csv', new TextEncoder().encode(csv));
    // Assess
    expect(counts(summary)).toEqual([3, 2, 1, 0]);
    expect(summary.rejections.map((r) => [r.line, r.field, r.reason])).toEqual([[3, 'PricingQuantity', 'is required']]);
    expect(records.map((r) => [r.source.line, r.quantity.toFixed(), r.cost?.toFixed()])).toEqual([
      [2, '0', '-12.5'],
      [4, '-2', '-4'],
    ]);
  });
});

describe('AWS CUR samples', () => {
  it('reads the legacy CUR export: 1,269 Usage lines, 12 Tax lines skipped', async () => {
    // Prepare
    const path = join(SAMPLES, 'aws-cur/sample-anonymous-aws-export-dataset.csv');
    const usage = rawRows(path).filter((row) => row['lineItem/LineItemType'] === 'Usage');
    const amount = usage.reduce((sum, row) => sum.plus(new Dec(row['lineItem/UsageAmount'] as string)), ZERO);
    const cost = usage.reduce((sum, row) => sum.plus(new Dec(row['lineItem/UnblendedCost'] as string)), ZERO);
    // Act
    const { summary, records } = await readPath(path);
    // Assess
    expect(summary.format).toBe('aws-cur');
    expect(counts(summary)).toEqual([1281, 1281, 0, 0]);
    expect(summary.rowsSkipped).toBe(12);
    expect(records).toHaveLength(1269);
    expect(
      sumBy(
        records,
        () => 'all',
        (r) => r.quantity,
      ).get('all'),
    ).toBe(amount.toFixed());
    expect(amount.toFixed()).toBe('128088.5804537469');
    expect(
      sumBy(
        records,
        () => 'all',
        (r) => r.cost,
      ).get('all'),
    ).toBe(cost.toFixed());
    expect(cost.toFixed()).toBe('1.6023086974');
    expect(new Set(records.map((r) => `${r.vendor}|${r.accountId}|${r.period}`))).toEqual(
      new Set(['aws|123412340534|2023-11']),
    );
  });

  it('reads the CUR 2.0 sample: two usage accounts', async () => {
    const { summary, records } = await readPath(join(SAMPLES, 'aws-cur/sample-cur20_synthetic_sbroenne.csv'));
    expect(counts(summary)).toEqual([4, 4, 0, 0]);
    expect(
      records.map((r) => [r.accountId, r.vendorSku, r.quantity.toFixed(), r.cost?.toFixed(), r.usageDate, r.period]),
    ).toEqual([
      ['123456789012', 'AmazonEC2:BoxUsage:t3.micro', '1', '0.0104', '2025-01-01', '2025-01'],
      ['123456789012', 'AmazonEC2:BoxUsage:t3.micro', '1', '0.0104', '2025-01-01', '2025-01'],
      ['987654321098', 'AmazonRDS:InstanceUsage:db.t3.small', '1', '0.034', '2025-01-01', '2025-01'],
      ['123456789012', 'AmazonEC2:BoxUsage:t3.micro', '1', '0.0104', '2025-01-02', '2025-01'],
    ]);
  });
});

describe('Azure EA sample', () => {
  it('rejects the file as an unknown format, naming the readable ones', async () => {
    const { summary } = await readPath(join(SAMPLES, 'azure-ea/sample-anonymous-ea-export-dataset.csv'));
    expect(counts(summary)).toEqual([0, 0, 0, 0]);
    expect(summary.format).toBeUndefined();
    expect(summary.fileError).toMatch(
      /^unknown usage file format: the header \(InvoiceSectionName, AccountName, .*55 columns\)\) matches none of the readable formats: canonical .*FOCUS 1\.x .*Partner Center .*AWS CUR .*Pax8 /,
    );
  });
});

describe('Partner Center API JSON samples', () => {
  it.each([
    'daily_rated_usage_lineitems_api_example.json',
    'legacy_license_based_lineitems_api_example.json',
    'onetime_invoice_lineitems_api_example.json',
  ])('refuses %s as one JSON document, saying what TrueUp reads instead', async (name) => {
    const { summary } = await readPath(join(SAMPLES, 'partner-center', name));
    expect(counts(summary)).toEqual([0, 0, 0, 0]);
    expect(summary.fileError).toBe(
      'line 1: the file is one JSON document spread over many lines (as an API returns it); ' +
        'TrueUp reads NDJSON, one JSON object per line with the fields of a CSV header, or CSV',
    );
  });

  it('still names a broken first NDJSON line as such, and refuses a JSON array', async () => {
    const broken = await readBytes('b.ndjson', new TextEncoder().encode('{"vendor": "rmm",\n'));
    const array = await readBytes('a.json', new TextEncoder().encode('[\n  {"vendor": "rmm"}\n]\n'));
    expect(broken.summary.fileError).toBe('line 1: the first line is not a JSON object (not valid JSON)');
    expect(array.summary.fileError).toMatch(/^line 1: the file is one JSON document spread over many lines/);
  });
});

describe('Partner Center reconciliation CSV fixture (built from FIELDS.md)', () => {
  it('maps ProductId:SkuId, BillableQuantity else Quantity, and reads the US date form month first', async () => {
    // Act
    const { summary, records } = await readPath(join(FIXTURES, 'partner-center-reconciliation.csv'));
    // Assess
    expect(summary.format).toBe('partner-center');
    expect(counts(summary)).toEqual([5, 5, 0, 0]);
    expect(
      records.map((r) => [
        r.vendor,
        r.accountId,
        r.vendorSku,
        r.quantity.toFixed(),
        r.unitCost?.toFixed(),
        r.cost?.toFixed(),
        r.currency,
        r.usageDate,
      ]),
    ).toEqual([
      ['microsoft', 'c-1111', 'CFQ7TTC0LCHC:0002', '12', '22', '264', 'USD', '2025-02-01'],
      ['microsoft', 'c-1111', 'CFQ7TTC0LCHC:0002', '1.5', '22', '33', 'USD', '2025-02-15'],
      ['microsoft', 'c-2222', 'CFQ7TTC0LDPB:0001', '40', '6', '240', 'EUR', '2025-03-01'],
      ['microsoft', 'c-2222', 'CFQ7TTC0LDPB:0001', '-5', '6', '-30', 'USD', '2025-03-10'],
      ['microsoft', 'c-3333', 'CFQ7TTC0LH18:0001', '1', '12.5', '12.5', 'USD', '2025-02-01'],
    ]);
  });

  it('reads ChargeStartDate as Partner Center writes it: ISO, or M/D/YYYY with an optional time, never day first', async () => {
    // Prepare
    const dates = [
      '12/31/2025 11:59:59 PM',
      '1/2/2026',
      '01/02/2026 0:00',
      '2/29/2024 12:00:00 AM',
      '2025-03-01T23:30:00-05:00',
      '13/1/2025',
      '2/30/2025',
      '2/1/2025 13:00:00 PM',
      '2/1/25',
      '2025/02/01',
    ];
    const csv = [
      'PartnerId,CustomerId,ProductId,SkuId,ChargeType,ChargeStartDate,BillableQuantity',
      ...dates.map((d, i) => `p,c-${i},PROD,0001,new,${d},1`),
    ].join('\r\n');
    // Act
    const { summary, records } = await readBytes('pc.csv', new TextEncoder().encode(csv));
    // Assess
    expect(records.map((r) => [r.accountId, r.usageDate, r.period])).toEqual([
      ['c-0', '2025-12-31', '2025-12'],
      ['c-1', '2026-01-02', '2026-01'],
      ['c-2', '2026-01-02', '2026-01'],
      ['c-3', '2024-02-29', '2024-02'],
      ['c-4', '2025-03-02', '2025-03'],
    ]);
    expect(summary.rejections.map((r) => [r.line, r.field, r.reason])).toEqual([
      [
        7,
        'ChargeStartDate',
        '"13/1/2025" is not a real date in M/D/YYYY form (month first, as Partner Center writes it)',
      ],
      [
        8,
        'ChargeStartDate',
        '"2/30/2025" is not a real date in M/D/YYYY form (month first, as Partner Center writes it)',
      ],
      [9, 'ChargeStartDate', '"2/1/2025 13:00:00 PM" has an impossible time of day'],
      [
        10,
        'ChargeStartDate',
        '"2/1/25" is not a date in M/D/YYYY form (month first, as Partner Center writes it) or YYYY-MM-DD',
      ],
      [
        11,
        'ChargeStartDate',
        '"2025/02/01" is not a date in M/D/YYYY form (month first, as Partner Center writes it) or YYYY-MM-DD',
      ],
    ]);
  });
});

describe('conformance usage files', () => {
  it('reads the three files with the expected counts, sharing one reference set', async () => {
    // Prepare
    const isDuplicate = referenceSet();
    // Act
    const results = await Promise.all(
      ['cur2.csv', 'pax8.csv', 'rmm-export.csv'].map((name) => readPath(join(USAGE, name), undefined, isDuplicate)),
    );
    // Assess
    expect(results.map(({ summary }) => [summary.name, summary.format, ...counts(summary)])).toEqual([
      ['cur2.csv', 'aws-cur', 4, 4, 0, 0],
      ['pax8.csv', 'pax8', 34, 34, 0, 0],
      ['rmm-export.csv', 'canonical', 656, 653, 2, 1],
    ]);
  });

  it('reports the rmm-export rejections and the duplicate with their lines', async () => {
    const { summary } = await readPath(join(USAGE, 'rmm-export.csv'));
    expect(summary.rejections.map((r) => [r.line, r.field, r.raw])).toEqual([
      [399, 'quantity', 'rmm,r1,seat-a,1e3,2025-02-03,,,,bad-exp'],
      [504, 'usage_date', 'rmm,r1,seat-a,4,02/03/2025,,,,bad-date'],
    ]);
    expect(summary.duplicates.map((d) => d.line)).toEqual([424]);
  });

  it('reads the UTF-16 LE Pax8 file with pax8 semantics', async () => {
    const { records } = await readPath(join(USAGE, 'pax8.csv'));
    expect(records[0]).toMatchObject({
      vendor: 'pax8',
      accountId: 'PX1',
      vendorSku: 'PX-SEAT-A',
      usageDate: '2025-02-01',
      period: '2025-02',
      currency: undefined,
      source: { file: 'pax8.csv', line: 2 },
    });
    expect([records[0]?.quantity.toFixed(), records[0]?.unitCost?.toFixed(), records[0]?.cost?.toFixed()]).toEqual([
      '4',
      '8.1',
      '32.4',
    ]);
  });

  it.each(['pax8.csv', 'rmm-export.csv', 'cur2.csv'])(
    'hashes %s over its raw bytes and gives the same result in 1-byte chunks',
    async (name) => {
      // Prepare
      const bytes = readFileSync(join(USAGE, name));
      // Act
      const whole = await readBytes(name, bytes);
      const trickled = await readBytes(name, bytes, 1);
      // Assess
      expect(whole.summary.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(whole.summary.bytes).toBe(bytes.length);
      expect(trickled.summary).toEqual(whole.summary);
      expect(trickled.records).toEqual(whole.records);
    },
  );
});

describe('detectFormat', () => {
  it.each([
    [[' Vendor ', 'ACCOUNT_ID', 'vendor_sku', 'quantity', 'usage_date'], 'canonical'],
    [['companyId', 'sku', 'quantity', 'startPeriod'], 'pax8'],
    [
      [
        'line_item_usage_account_id',
        'line_item_product_code',
        'line_item_usage_type',
        'line_item_usage_amount',
        'line_item_usage_start_date',
        'line_item_unblended_cost',
      ],
      'aws-cur',
    ],
    [
      ['PartnerId', 'CustomerId', 'ProductId', 'SkuId', 'ChargeType', 'ChargeStartDate', 'BillableQuantity'],
      'partner-center',
    ],
  ])('detects %j as %s', (header, name) => {
    expect(detectFormat(header)?.name).toBe(name);
  });

  it('detects nothing for a Partner Center header without any quantity column', () => {
    expect(
      detectFormat(['PartnerId', 'CustomerId', 'ProductId', 'SkuId', 'ChargeType', 'ChargeStartDate']),
    ).toBeUndefined();
  });
});
