/**
 * Discrepancies that close, on the in-memory ports (no JVM): the invoice whose true-up or
 * credit line carried a discrepancy's amount closes it (billed / credited, with the invoice and
 * line) whichever of the two is stored first and on a retried issue too, and a charge made of a
 * flagged discrepancy closes it in the name of who made it.
 */
import { describe, expect, it } from 'vitest';
import { chargeForDiscrepancy } from '../../functions/app/charges.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../../functions/app/messages.js';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { storeDiscrepancy } from '../../functions/app/store-discrepancy.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { SYSTEM_ACTOR } from '../../functions/app/ports.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';
import { agreement, d, mapping, product, reference } from '../support/builders.js';

// SEAT: 10 contracted, 13 used, billed (true-up); BACKUP: 5 contracted, 2 used, credited;
// LIC: 4 contracted, 6 used, no true-up (flagged for a decision).
const REFERENCE = reference({
  products: [
    product(),
    product({ sku: 'BACKUP', name: 'Backup', unit: 'device' }),
    product({ sku: 'LIC', name: 'Licence' }),
  ],
  skuMap: [mapping(), mapping({ vendorSku: 'bk', sku: 'BACKUP' }), mapping({ vendorSku: 'lic', sku: 'LIC' })],
  agreements: [
    agreement(),
    agreement({ agreementId: 'A2', sku: 'BACKUP', quantity: d(5), unitPrice: d(3), trueUp: 'credit' }),
    agreement({ agreementId: 'A3', sku: 'LIC', quantity: d(4), unitPrice: d('7.25'), trueUp: 'flag' }),
  ],
});

async function withUsage(): Promise<MemoryDeps> {
  const deps = memoryDeps();
  await deps.ledger.saveReferenceData(REFERENCE);
  const rows = ['T1,seat-sku,13', 'T1,bk,2', 'T1,lic,6'].map((r) => `microsoft,${r},2025-01-15`);
  await deps.usage.put('inbox/u.csv', ['vendor,account_id,vendor_sku,quantity,usage_date', ...rows].join('\n') + '\n');
  await ingestUsageFile(deps, { key: 'inbox/u.csv', today: '2025-01-31' });
  return deps;
}

const drainWork = (deps: MemoryDeps) =>
  deps.workQueue.drain(WorkMessageSchema, (message) => handleWorkMessage(deps, message));
const drainDiscrepancies = (deps: MemoryDeps) =>
  deps.discrepancyQueue.drain(DiscrepancyMessageSchema, async (message) => {
    await storeDiscrepancy(deps, message);
  });

async function statuses(deps: MemoryDeps) {
  return (await deps.ledger.listDiscrepancies())
    .map((x) => [x.type, x.sku, x.status, x.invoiceNumber, x.invoiceLine, x.closedOn, x.by])
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
}

const CLOSED = [
  ['over_billed', 'BACKUP', 'credited', 'INV-2025-000001', 5, '2025-02-01', SYSTEM_ACTOR],
  ['under_billed', 'LIC', 'open', undefined, undefined, undefined, undefined],
  ['under_billed', 'SEAT', 'billed', 'INV-2025-000001', 4, '2025-02-01', SYSTEM_ACTOR],
];

describe('discrepancies closed by the invoice line that carried them', () => {
  it('closes true-up and credit discrepancies with the invoice and line, the invoice issued first', async () => {
    const deps = await withUsage();
    await runBilling(deps, { today: '2025-02-01' });
    await drainWork(deps);
    await drainDiscrepancies(deps);

    const invoice = (await deps.ledger.getInvoice('INV-2025-000001'))!.invoice;
    expect(invoice.lines.map((l) => [l.kind, l.sku])).toEqual([
      ['recurring', 'BACKUP'],
      ['recurring', 'LIC'],
      ['recurring', 'SEAT'],
      ['true_up', 'SEAT'],
      ['credit', 'BACKUP'],
    ]);
    expect(await statuses(deps)).toEqual(CLOSED);
  });

  it('closes them too when the discrepancies are stored first, and on a retry after the invoice was issued', async () => {
    const deps = await withUsage();
    await runBilling(deps, { today: '2025-02-01' });
    await drainDiscrepancies(deps);
    // The first attempt issued the invoice and stopped before recording the closures.
    const message = WorkMessageSchema.parse(deps.workQueue.bodies()[0]);
    if (message.type !== 'issue_invoice') throw new Error('expected an issue_invoice message');
    await handleWorkMessage(deps, { ...message, closes: [] });
    expect((await statuses(deps)).map((s) => s[2])).toEqual(['open', 'open', 'open']);

    await drainWork(deps); // the retry
    expect(await statuses(deps)).toEqual(CLOSED);
  });

  it('bills a flagged discrepancy as a charge, closed in the name of who decided it', async () => {
    const deps = await withUsage();
    await runBilling(deps, { today: '2025-02-01' });
    await drainWork(deps);
    await drainDiscrepancies(deps);
    const lic = (await deps.ledger.listDiscrepancies()).find((x) => x.sku === 'LIC')!;

    const made = await chargeForDiscrepancy(deps, { id: lic.id, action: 'bill', today: '2025-02-05', by: 'alice' });
    const again = await chargeForDiscrepancy(deps, { id: lic.id, action: 'bill', today: '2025-02-06', by: 'bob' });
    expect([made.added, again.added, again.charge.by]).toEqual([true, false, 'alice']);
    expect([made.charge.unitPrice.toFixed(2), made.charge.description]).toEqual([
      '14.50', // 2 × 7.25
      `Adjustment: Licence, 2025-01 (discrepancy ${lic.id})`,
    ]);

    await runBilling(deps, { today: '2025-03-01' });
    await drainWork(deps);
    const march = (await deps.ledger.getInvoice('INV-2025-000002'))!.invoice;
    const line = march.lines.findIndex((l) => l.kind === 'charge') + 1;
    expect(march.lines[line - 1]?.amount.toFixed(2)).toBe('14.50');
    const closed = (await deps.ledger.listDiscrepancies()).find((x) => x.id === lic.id)!;
    expect([closed.status, closed.invoiceNumber, closed.invoiceLine, closed.closedOn, closed.by]).toEqual([
      'billed',
      'INV-2025-000002',
      line,
      '2025-03-01',
      'alice',
    ]);
  });

  it('credits with a negative charge, and refuses what cannot be billed', async () => {
    const deps = await withUsage();
    await runBilling(deps, { today: '2025-02-01' });
    await drainWork(deps);
    await drainDiscrepancies(deps);
    const all = await deps.ledger.listDiscrepancies();
    const lic = all.find((x) => x.sku === 'LIC')!;
    const seat = all.find((x) => x.sku === 'SEAT')!;

    const credit = await chargeForDiscrepancy(deps, {
      id: lic.id,
      action: 'credit',
      amount: d('5'),
      today: '2025-02-05',
      by: 'alice',
    });
    expect(credit.charge.unitPrice.toFixed(2)).toBe('-5.00');
    await runBilling(deps, { today: '2025-03-01' });
    await drainWork(deps);
    expect((await deps.ledger.listDiscrepancies()).find((x) => x.id === lic.id)?.status).toBe('credited');

    await expect(
      chargeForDiscrepancy(deps, { id: seat.id, action: 'bill', today: '2025-02-05', by: 'a' }),
    ).rejects.toThrow('is billed already, on INV-2025-000001 line 4');
    await expect(
      chargeForDiscrepancy(deps, { id: 'nope', action: 'bill', today: '2025-02-05', by: 'a' }),
    ).rejects.toThrow('No discrepancy with id nope');
    await deps.ledger.storeDiscrepancy(
      {
        id: 'U1',
        period: '2025-01',
        type: 'unknown_account',
        vendor: 'microsoft',
        accountId: 'T9',
        amountAtStake: d(3),
        currency: 'USD',
      },
      '2025-02-01',
    );
    await expect(
      chargeForDiscrepancy(deps, { id: 'U1', action: 'bill', today: '2025-02-05', by: 'a' }),
    ).rejects.toThrow('names no client');
  });
});
