/**
 * Edges of docs/contract.md §3, §4 and §7 end to end: a small data folder written here, run
 * through `trueup simulate` as test/e2e/conformance.test.ts drives it.
 *
 * - Rows of one unknown account (and of one unmapped vendor sku) that come from two files, one
 *   without a currency column and one in the settings currency, are one discrepancy with the
 *   total cost of all its rows.
 * - Rows of one (client, sku) in another currency from two vendors are one currency_mismatch.
 * - A client_id that does not start with a letter or digit stops the run, named by file, line
 *   and column, before anything runs.
 * - A dunning catch-up that reaches two steps with `lateFee` charges one fee, on the terms of
 *   the one with the larger offsetDays, even when the other's fee comes to 0.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFolderError, simulate } from '../../functions/local-runner/simulate.js';

type Json = Record<string, unknown>;
const readJson = async (path: string): Promise<Json> => JSON.parse(await readFile(path, 'utf8')) as Json;

const SETTINGS = {
  msp: { name: 'Edge IT', email: 'billing@edge-it.example', address: '1 Edge St' },
  currency: 'USD',
  invoice: { prefix: 'INV', paymentTermsDays: 10, recurringTiming: 'advance' },
  dunning: {
    steps: [
      // Out of order; C2's invoices are due on issue, so the first dunning day (days = 1)
      // reaches both fee steps at once: the terms are those of `late`, the one with the larger
      // offsetDays. `early`'s fee would come to 0.
      { name: 'late', offsetDays: 1, lateFee: { percent: '2', minimum: '5' } },
      { name: 'early', offsetDays: -5, lateFee: { percent: '0', minimum: '0' } },
    ],
  },
};

const FILES: Record<string, string> = {
  'trueup.json': JSON.stringify(SETTINGS),
  'clients.csv':
    'client_id,name,billing_email,currency,payment_terms_days,dunning\nC1,Client One,ap@c1.example,USD,,none\nC2,Client Two,ap@c2.example,USD,0,\n',
  'accounts.csv': 'vendor,account_id,client_id\nmicrosoft,T1,C1\npax8,P1,C1\n',
  'products.csv': 'sku,name,unit,aggregation\nSEAT,Seat,seat,sum\n',
  'sku-map.csv': 'vendor,vendor_sku,sku\nmicrosoft,seat-sku,SEAT\npax8,p-seat,SEAT\n',
  'agreements.csv':
    'agreement_id,client_id,sku,quantity,unit_price,start_date\nA1,C1,SEAT,2,10,2024-01-01\nA2,C2,SEAT,1,100,2024-01-01\n',
  // No currency column: its rows are in the settings currency.
  'usage/a-canonical.csv': [
    'vendor,account_id,vendor_sku,quantity,usage_date,cost',
    'pax8,GHOST,p-seat,1,2025-01-10,4.005',
    'pax8,P1,mystery,1,2025-01-10,1',
    'microsoft,T1,seat-sku,2,2025-01-10,',
    '',
  ].join('\n'),
  'usage/b-pax8.csv': [
    'id,companyId,sku,quantity,startPeriod,cost,costTotal,currencyCode',
    'i1,GHOST,p-seat,1,2025-01-11,3.004,3.004,USD',
    'i2,P1,mystery,1,2025-01-11,2,2,USD',
    'i3,P1,p-seat,1,2025-01-11,7,7,EUR',
    '',
  ].join('\n'),
  'usage/c-canonical-eur.csv': [
    'vendor,account_id,vendor_sku,quantity,usage_date,cost,currency',
    'microsoft,T1,seat-sku,1,2025-01-12,5,EUR',
    '',
  ].join('\n'),
};

describe('edges end to end (simulate)', () => {
  let data: string;
  let out: string;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'trueup-edges-data-'));
    out = await mkdtemp(join(tmpdir(), 'trueup-edges-out-'));
    await mkdir(join(data, 'usage'));
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(data, name), text);
    await simulate({ data, from: '2025-01-31', to: '2025-03-01', out });
  }, 240_000);
  afterAll(async () => {
    for (const dir of [data, out]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('raises one unknown_account and one unmapped_sku for rows with no currency and rows in the settings currency', async () => {
    const reconciliation = await readJson(join(out, 'reconciliation', '2025-01.json'));
    const discrepancies = reconciliation.discrepancies as Json[];
    const pick = (type: string): Json[] =>
      discrepancies
        .filter((d) => d.type === type)
        .map(({ vendor, accountId, vendorSku, amountAtStake, currency }) => ({
          vendor,
          accountId,
          vendorSku,
          amountAtStake,
          currency,
        }));
    expect(pick('unknown_account')).toEqual([
      { vendor: 'pax8', accountId: 'GHOST', vendorSku: undefined, amountAtStake: '7.01', currency: 'USD' },
    ]);
    expect(pick('unmapped_sku')).toEqual([
      { vendor: 'pax8', accountId: undefined, vendorSku: 'mystery', amountAtStake: '3.00', currency: 'USD' },
    ]);
    expect((reconciliation.metrics as Json).discrepancies).toBe(discrepancies.length);
  });

  it('raises one currency_mismatch per (client, sku) for rows of two vendors', async () => {
    const reconciliation = await readJson(join(out, 'reconciliation', '2025-01.json'));
    const mismatches = (reconciliation.discrepancies as Json[]).filter((d) => d.type === 'currency_mismatch');
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toMatchObject({ clientId: 'C1', sku: 'SEAT', amountAtStake: null, currency: 'EUR' });
  });

  it("charges one late fee on a catch-up over two fee steps, on the later step's terms", async () => {
    // C2's February invoice (100.00, due 02-01) is never paid. Dunning on 02-02 (days 1) sends
    // `late` only and charges max(round(2 % of 100), 5) = 5.00, once: March's invoice bills it.
    const notifications = JSON.parse(await readFile(join(out, 'notifications.json'), 'utf8')) as Json[];
    const dunning = notifications.filter((n) => n.kind === 'dunning').map((n) => [n.date, n.to, n.invoices]);
    expect(dunning).toEqual([['2025-02-02', ['ap@c2.example'], [{ number: 'INV-2025-000002', step: 'late' }]]]);
    const march = await readJson(join(out, 'invoices', 'INV-2025-000004.json'));
    expect(march).toMatchObject({ clientId: 'C2', period: '2025-02' });
    const fees = (march.lines as Json[]).filter((l) => l.kind === 'late_fee').map((l) => [l.description, l.amount]);
    expect(fees).toEqual([['Late fee on INV-2025-000002', '5.00']]);
  });
});

describe('a client_id a spreadsheet would read as a formula (simulate)', () => {
  it('stops the run naming file, line and column, before OUT is written', async () => {
    const data = await mkdtemp(join(tmpdir(), 'trueup-edges-ids-'));
    try {
      for (const [name, text] of Object.entries(FILES))
        if (!name.startsWith('usage/')) await writeFile(join(data, name), text);
      await writeFile(join(data, 'clients.csv'), `${FILES['clients.csv']}-C3,Three,ap@c3.example,USD,,\n`);
      const out = join(data, 'out');
      const error = await simulate({ data, from: '2025-01-31', to: '2025-02-01', out }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataFolderError);
      expect(String((error as Error).message)).toContain(
        'clients.csv line 4, column client_id: must start with a letter or a digit (got "-C3")',
      );
      await expect(readFile(join(out, 'notifications.json'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
