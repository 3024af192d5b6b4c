/**
 * The format details docs/contract.md §3 states ("Format details, decided"), one test each, on
 * small files read the way the app reads them: exponents in FOCUS and CUR numbers read exactly;
 * Partner Center's US dates month first; a timestamp with an offset counted on its UTC date (and
 * so in that date's period); a Pax8 row's `id` as its reference for duplicates; a row with fewer
 * cells than the header rejected naming both counts; FOCUS and CUR tax rows accepted, counted,
 * and carrying no usage (no record, no pair, no discrepancy).
 */
import { describe, expect, it } from 'vitest';
import { reconcilePeriod } from '../../functions/domain/reconcile-period.js';
import { summarizeUsage } from '../../functions/domain/summarize-usage.js';
import { reference } from '../support/builders.js';
import { counts, readBytes } from './helpers.js';

const read = (name: string, lines: string[]) => readBytes(name, new TextEncoder().encode(`${lines.join('\n')}\n`));

const FOCUS_HEADER =
  'BilledCost,ChargePeriodStart,SubAccountId,SkuId,PricingQuantity,ChargeCategory,ProviderName,BillingPeriodStart,BillingCurrency';
const CUR_HEADER =
  'lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/LineItemType';
const PC_HEADER = 'PartnerId,CustomerId,ProductId,SkuId,ChargeType,ChargeStartDate,BillableQuantity,Subtotal,Currency';
const PAX8_HEADER = 'id,companyId,sku,quantity,startPeriod,costTotal,currencyCode';

describe('format details of docs/contract.md §3', () => {
  it('reads an exponent in a FOCUS or CUR number exactly', async () => {
    const focus = await read('focus.csv', [
      FOCUS_HEADER,
      '9.984E-7,2025-01-05T00:00:00Z,A1,S1,1.5e+3,Usage,Microsoft,2025-01-01T00:00:00Z,USD',
    ]);
    expect(focus.records.map((r) => [r.cost?.toFixed(), r.quantity.toFixed()])).toEqual([['0.0000009984', '1500']]);
    const cur = await read('cur.csv', [
      CUR_HEADER,
      '123,AmazonEC2,BoxUsage,3.3333333333333335E-4,2025-01-05T00:00:00Z,1.0000000000000001E-10,Usage',
    ]);
    expect(cur.records.map((r) => [r.quantity.toFixed(), r.cost?.toFixed()])).toEqual([
      ['0.00033333333333333335', '0.00000000010000000000000001'],
    ]);
  });

  it("reads Partner Center's US dates month first", async () => {
    const { records } = await read('pc.csv', [
      PC_HEADER,
      'P,T1,PR,S,new,2/1/2025 12:00:00 AM,1,10,USD',
      'P,T1,PR,S,new,12/3/2025,1,10,USD',
    ]);
    expect(records.map((r) => [r.usageDate, r.period])).toEqual([
      ['2025-02-01', '2025-02'],
      ['2025-12-03', '2025-12'],
    ]);
  });

  it("counts a usage timestamp with an offset on its UTC date, in that date's period", async () => {
    const pc = await read('pc.csv', [PC_HEADER, 'P,T1,PR,S,new,2025-03-01T00:30:00+01:00,1,10,USD']);
    const pax8 = await read('pax8.csv', [
      PAX8_HEADER,
      'i1,C1,SKU,1,2025-02-01T01:00:00+02:00,5,USD',
      'i2,C1,SKU,1,2025-01-31T20:00:00-05:00,5,USD',
    ]);
    const cur = await read('cur.csv', [CUR_HEADER, '123,AmazonEC2,BoxUsage,1,2025-04-01T02:00:00+03:00,1,Usage']);
    expect([...pc.records, ...pax8.records, ...cur.records].map((r) => [r.usageDate, r.period])).toEqual([
      ['2025-02-28', '2025-02'],
      ['2025-01-31', '2025-01'],
      ['2025-02-01', '2025-02'],
      ['2025-03-31', '2025-03'],
    ]);
  });

  it("takes a Pax8 row's id as its reference for duplicates", async () => {
    const { summary, records } = await read('pax8.csv', [
      PAX8_HEADER,
      'i1,C1,SKU,1,2025-01-05,5,USD',
      'i1,C1,SKU,1,2025-01-05,5,USD',
      'i2,C1,SKU,1,2025-01-05,5,USD',
    ]);
    expect(records.map((r) => r.reference)).toEqual(['i1', 'i2']);
    expect(counts(summary)).toEqual([3, 2, 0, 1]);
    expect(summary.duplicates.map((d) => d.line)).toEqual([3]);
  });

  it('rejects a row with fewer cells than the header, naming both counts', async () => {
    const { summary, records } = await read('pax8.csv', [
      PAX8_HEADER,
      'i1,C1,SKU,1,2025-01-05',
      'i2,C1,SKU,1,2025-01-05,5,USD',
    ]);
    expect(records).toHaveLength(1);
    expect(counts(summary)).toEqual([2, 1, 1, 0]);
    expect(summary.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, expect.stringContaining('has 5 cells but the header has 7')],
    ]);
  });

  it('accepts FOCUS and CUR tax rows as rows that carry no usage: no record, no pair, no discrepancy', async () => {
    const focus = await read('focus.csv', [
      FOCUS_HEADER,
      '12.50,2025-01-05T00:00:00Z,GHOST,TAX,,Tax,Microsoft,2025-01-01T00:00:00Z,USD',
      '1,2025-01-05T00:00:00Z,T1,seat-sku,1,Usage,Microsoft,2025-01-01T00:00:00Z,USD',
    ]);
    const cur = await read('cur.csv', [CUR_HEADER, '999,AWS,,0,2025-01-05T00:00:00Z,3.10,Tax']);
    expect([counts(focus.summary), focus.summary.rowsSkipped, counts(cur.summary), cur.summary.rowsSkipped]).toEqual([
      [2, 2, 0, 0],
      1,
      [1, 1, 0, 0],
      1,
    ]);
    expect([...focus.records, ...cur.records].map((r) => r.accountId)).toEqual(['T1']);
    const ref = reference({ agreements: [] });
    const reconciliation = reconcilePeriod(ref, summarizeUsage(ref, '2025-01', [...focus.records, ...cur.records]));
    expect(reconciliation.pairs.map((p) => [p.clientId, p.sku, p.status])).toEqual([
      ['C001', 'SEAT', 'unbilled_usage'],
    ]);
    expect(reconciliation.discrepancies.map((d) => d.type)).toEqual(['unbilled_usage']);
  });
});
