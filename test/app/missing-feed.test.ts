/**
 * Expected feeds through the real billing run on the embedded stand-in: a vendor that has not
 * delivered by the billing run raises `missing_feed`, its pairs are held (no line guessed, no
 * missing_usage), and the next billing run after its file arrives bills the held pairs with
 * their own period, once.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { reconciliationKey } from '../../functions/app/bucket-layout.js';
import type { ReconciliationJson } from '../../functions/app/reconciliation-json.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { DynamoDbCollectorState } from '../../functions/collect/dynamodb-collector-state.js';
import { localNames, startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { agreement, d, mapping, product, reference } from '../support/builders.js';

let runtime: LocalRuntime;

const REFERENCE = reference({
  accounts: [
    { vendor: 'microsoft', accountId: 'T1', clientId: 'C001' },
    { vendor: 'pax8', accountId: 'P1', clientId: 'C001' },
  ],
  products: [product(), product({ sku: 'BACKUP', name: 'Backup', unit: 'device' })],
  skuMap: [mapping(), mapping({ vendor: 'pax8', vendorSku: 'bk', sku: 'BACKUP' })],
  agreements: [agreement(), agreement({ agreementId: 'A2', sku: 'BACKUP', quantity: d(5), unitPrice: d(3) })],
});

async function drop(name: string, rows: string[], today: string): Promise<void> {
  const key = `inbox/${name}`;
  await runtime.deps.usage.put(key, ['vendor,account_id,vendor_sku,quantity,usage_date', ...rows].join('\n') + '\n');
  await ingestUsageFile(runtime.deps, { key, today });
}

/** The billing run and its invoice workers (the work queue drained), as on the 1st. */
async function bill(today: string): Promise<string[]> {
  const run = await runBilling(runtime.deps, { today });
  await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) => handleWorkMessage(runtime.deps, message));
  return run.planned;
}

async function storedReconciliation(period: string): Promise<ReconciliationJson> {
  const bytes = await runtime.deps.artifacts.get(reconciliationKey(period));
  return JSON.parse(new TextDecoder().decode(bytes)) as ReconciliationJson;
}

async function invoiceLines(
  number: string,
): Promise<{ kind: string; sku?: string; period?: string; quantity: string; amount: string }[]> {
  const invoice = await runtime.deps.ledger.getInvoice(number);
  return (invoice?.invoice.lines ?? []).map((l) => ({
    kind: l.kind,
    sku: l.sku,
    period: l.period,
    quantity: l.quantity.toFixed(),
    amount: l.amount.toFixed(2),
  }));
}

beforeAll(async () => {
  runtime = await startLocalRuntime();
  await runtime.deps.ledger.saveReferenceData(REFERENCE);
  const state = new DynamoDbCollectorState(
    DynamoDBDocumentClient.from(runtime.clients.dynamodb),
    localNames(runtime.name).table,
  );
  await state.saveConfig({ sources: [], expectedFeeds: [{ vendor: 'pax8' }] });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('an expected feed that has not arrived', () => {
  it('is a missing_feed discrepancy, listed first, and holds the pairs it feeds', async () => {
    await drop('ms-2025-01.csv', ['microsoft,T1,seat-sku,12,2025-01-20'], '2025-01-31');
    const [number] = await bill('2025-02-01');
    const json = await storedReconciliation('2025-01');
    expect(json.discrepancies[0]).toMatchObject({ type: 'missing_feed', vendor: 'pax8', amountAtStake: null });
    expect(json.discrepancies.map((x) => x.type)).toEqual(['missing_feed', 'under_billed']); // no missing_usage for BACKUP
    expect(json.pairs.map((p) => p.sku)).toEqual(['SEAT']);
    expect(json.held).toEqual([{ vendor: 'pax8', clientId: 'C001', sku: 'BACKUP' }]);
    expect(json.metrics).toEqual({ pairs: 1, discrepancies: 2, discrepancyRate: '1.0000' });
    const lines = await invoiceLines(number!);
    expect(lines.filter((l) => l.kind !== 'recurring')).toEqual([
      { kind: 'true_up', sku: 'SEAT', period: '2025-01', quantity: '2', amount: '25.00' },
    ]);
  });

  it('is released at the next billing run once it arrives: the held pairs are billed with their period, once', async () => {
    await drop('pax8-2025-01.csv', ['pax8,P1,bk,8,2025-01-28'], '2025-02-10');
    await drop('ms-2025-02.csv', ['microsoft,T1,seat-sku,10,2025-02-20'], '2025-02-27');
    const [number] = await bill('2025-03-01');
    const json = await storedReconciliation('2025-02');
    expect(json.released).toEqual([
      expect.objectContaining({
        period: '2025-01',
        vendor: 'pax8',
        pairs: [expect.objectContaining({ sku: 'BACKUP', status: 'under_billed', used: '8', delta: '3' })],
      }),
    ]);
    // pax8 has not delivered 2025-02 yet: held again, for that period.
    expect(json.held).toEqual([{ vendor: 'pax8', clientId: 'C001', sku: 'BACKUP' }]);
    const lines = await invoiceLines(number!);
    expect(lines.filter((l) => l.kind !== 'recurring')).toEqual([
      { kind: 'true_up', sku: 'BACKUP', period: '2025-01', quantity: '3', amount: '9.00' },
    ]);

    // A retried run reuses the stored reconciliation; the next period does not release it again.
    const again = await bill('2025-03-01');
    expect(again).toEqual([number]);
    expect((await runtime.deps.ledger.listInvoices()).map((i) => i.invoice.number)).toHaveLength(2);
    await drop('pax8-2025-02.csv', ['pax8,P1,bk,5,2025-02-28'], '2025-03-05');
    const [next] = await bill('2025-04-01');
    const nextJson = await storedReconciliation('2025-03');
    expect(nextJson.released?.map((r) => [r.period, r.pairs.map((p) => p.status)])).toEqual([['2025-02', ['match']]]);
    const nextLines = await invoiceLines(next!);
    expect(nextLines.filter((l) => l.kind !== 'recurring')).toEqual([]);
  });
});
