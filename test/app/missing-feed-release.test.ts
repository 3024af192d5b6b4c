/**
 * What the release of a held feed reports, through the real billing run on the embedded
 * stand-in: the late vendor's unknown accounts and unmapped skus are reported once, with the
 * release (they were in no reconciliation before), and a held pair's currency_mismatch is one
 * for the pair, with the release, never one before and another after.
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
  skuMap: [
    mapping(),
    mapping({ vendor: 'pax8', vendorSku: 'bk', sku: 'BACKUP' }),
    mapping({ vendor: 'microsoft', vendorSku: 'bk', sku: 'BACKUP' }),
  ],
  agreements: [agreement(), agreement({ agreementId: 'A2', sku: 'BACKUP', quantity: d(5), unitPrice: d(3) })],
});

async function drop(name: string, rows: string[], today: string): Promise<void> {
  const key = `inbox/${name}`;
  await runtime.deps.usage.put(
    key,
    ['vendor,account_id,vendor_sku,quantity,usage_date,cost,currency', ...rows].join('\n') + '\n',
  );
  await ingestUsageFile(runtime.deps, { key, today });
}

async function bill(today: string): Promise<void> {
  await runBilling(runtime.deps, { today });
  await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) => handleWorkMessage(runtime.deps, message));
}

async function storedReconciliation(period: string): Promise<ReconciliationJson> {
  const bytes = await runtime.deps.artifacts.get(reconciliationKey(period));
  return JSON.parse(new TextDecoder().decode(bytes)) as ReconciliationJson;
}

type Listed = {
  type: string;
  clientId?: string;
  sku?: string;
  vendor?: string;
  accountId?: string;
  vendorSku?: string;
  amountAtStake: string | null;
};
const brief = (list: readonly Listed[]) =>
  list.map((x) => [x.type, x.clientId ?? x.accountId ?? x.vendorSku, x.sku ?? x.vendor, x.amountAtStake]);

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

describe('a held feed released', () => {
  it("reports the late vendor's unknown accounts and unmapped skus, and one currency_mismatch per held pair", async () => {
    // Microsoft's BACKUP rows in EUR: a mismatch of a pair pax8 feeds, held with it.
    await drop(
      'ms-2025-01.csv',
      ['microsoft,T1,seat-sku,10,2025-01-20,,', 'microsoft,T1,bk,1,2025-01-20,2,EUR'],
      '2025-01-31',
    );
    await bill('2025-02-01');
    const january = await storedReconciliation('2025-01');
    expect(brief(january.discrepancies as Listed[])).toEqual([['missing_feed', undefined, 'pax8', null]]);

    await drop(
      'pax8-2025-01.csv',
      [
        'pax8,P1,bk,5,2025-01-28,,',
        'pax8,P1,bk,1,2025-01-28,3,EUR',
        'pax8,GHOST,bk,1,2025-01-28,4,',
        'pax8,P1,mystery,1,2025-01-28,6,USD',
      ],
      '2025-02-10',
    );
    await drop(
      'ms-2025-02.csv',
      ['microsoft,T1,seat-sku,10,2025-02-20,,', 'microsoft,T1,bk,5,2025-02-20,,'],
      '2025-02-27',
    );
    await bill('2025-03-01');
    const february = await storedReconciliation('2025-02');
    const [released] = february.released ?? [];
    expect(released?.pairs.map((p) => [p.sku, p.status])).toEqual([['BACKUP', 'match']]);
    expect(brief(released?.discrepancies as Listed[])).toEqual([
      ['unknown_account', 'GHOST', 'pax8', '4.00'],
      ['unmapped_sku', 'mystery', 'pax8', '6.00'],
      ['currency_mismatch', 'C001', 'BACKUP', null],
    ]);
  });
});
