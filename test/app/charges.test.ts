/**
 * One-off charges on the in-memory ports (no JVM): the billing run bills a charge once, on the
 * first invoice issued on or after its date (a client with only a charge gets an invoice), a
 * charge to invoice now gets an invoice of its own numbered from the same gapless counter, and
 * a retry of either issues nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { addCharge, invoiceChargeNow } from '../../functions/app/charges.js';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import type { Charge } from '../../functions/domain/billing-types.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';
import { agreement, client, d, reference } from '../support/builders.js';

const REFERENCE = reference({
  clients: [client({ taxRate: d('8.25') }), client({ clientId: 'C002', name: 'Client Two', taxRate: d('10') })],
  agreements: [agreement()],
});

const charge = (chargeId: string, overrides: Partial<Charge> = {}): Charge => ({
  chargeId,
  clientId: 'C002',
  date: '2025-01-20',
  description: 'On-site visit',
  quantity: d('3'),
  unitPrice: d('33.335'),
  taxable: true,
  ...overrides,
});

async function drain(deps: MemoryDeps): Promise<void> {
  await deps.workQueue.drain(WorkMessageSchema, (message) => handleWorkMessage(deps, message));
}

async function lines(deps: MemoryDeps, number: string) {
  const account = await deps.ledger.getInvoice(number);
  return (account?.invoice.lines ?? []).map((l) => [l.kind, l.chargeId, l.amount.toFixed(2)]);
}

describe('charges on the billing run', () => {
  it('bills a charge once on the first invoice on or after its date, a client with only a charge included', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(REFERENCE);
    expect(await addCharge(deps, charge('CH1'))).toBe(true);
    expect(await addCharge(deps, charge('CH2', { taxable: false, unitPrice: d('19.99'), quantity: d(1) }))).toBe(true);
    expect(await addCharge(deps, charge('CH3', { date: '2025-02-02' }))).toBe(true);
    expect(await addCharge(deps, charge('CH1', { unitPrice: d(1) }))).toBe(false);

    const run = await runBilling(deps, { today: '2025-02-01' });
    await drain(deps);

    expect(run.planned).toEqual(['INV-2025-000001', 'INV-2025-000002']);
    expect(await lines(deps, 'INV-2025-000002')).toEqual([
      ['charge', 'CH1', '100.01'], // 3 × 33.335 = 100.005, rounded half away from zero
      ['charge', 'CH2', '19.99'],
    ]);
    const invoice = (await deps.ledger.getInvoice('INV-2025-000002'))!.invoice;
    // Tax on the taxable charge only: 10% of 100.01.
    expect([invoice.subtotal.toFixed(2), invoice.tax.toFixed(2), invoice.total.toFixed(2)]).toEqual([
      '120.00',
      '10.00',
      '130.00',
    ]);
    expect((await deps.ledger.unbilledCharges('C002')).map((c) => c.chargeId)).toEqual(['CH3']);

    await runBilling(deps, { today: '2025-02-01' }); // a retried run
    await drain(deps);
    const march = await runBilling(deps, { today: '2025-03-01' });
    await drain(deps);
    expect(march.planned).toEqual(['INV-2025-000003', 'INV-2025-000004']);
    expect(await lines(deps, 'INV-2025-000004')).toEqual([['charge', 'CH3', '100.01']]);
    expect((await deps.ledger.listCharges()).map((c) => [c.chargeId, c.invoiceNumber])).toEqual([
      ['CH1', 'INV-2025-000002'],
      ['CH2', 'INV-2025-000002'],
      ['CH3', 'INV-2025-000004'],
    ]);
  });

  it('refuses a charge for a client not in the reference data', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(REFERENCE);
    await expect(addCharge(deps, charge('X', { clientId: 'C404' }))).rejects.toThrow('No client C404');
  });
});

describe('invoiceChargeNow', () => {
  it('issues a charge on its own invoice from the same counter, once however often it is retried', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(REFERENCE);
    await runBilling(deps, { today: '2025-02-01' });
    await drain(deps);
    await addCharge(deps, charge('DEP1', { date: '2025-02-10', invoiceNow: true, unitPrice: d(500), quantity: d(1) }));

    const first = await invoiceChargeNow(deps, { clientId: 'C002', chargeId: 'DEP1', today: '2025-02-10' });
    const again = await invoiceChargeNow(deps, { clientId: 'C002', chargeId: 'DEP1', today: '2025-02-10' });
    deps.workQueue.redeliver();
    await drain(deps);
    const after = await invoiceChargeNow(deps, { clientId: 'C002', chargeId: 'DEP1', today: '2025-02-11' });
    await drain(deps);

    expect([first, again, after]).toEqual([
      { number: 'INV-2025-000002', queued: 'issue' },
      { number: 'INV-2025-000002', queued: 'issue' },
      { number: 'INV-2025-000002', queued: 'delivery' },
    ]);
    const invoice = (await deps.ledger.getInvoice('INV-2025-000002'))!.invoice;
    expect([invoice.clientId, invoice.period, invoice.issueDate, invoice.dueDate, invoice.total.toFixed(2)]).toEqual([
      'C002',
      '2025-02',
      '2025-02-10',
      '2025-03-12',
      '550.00',
    ]);
    expect(await lines(deps, 'INV-2025-000002')).toEqual([['charge', 'DEP1', '500.00']]);
    expect(deps.mailer.sent.filter((m) => m.raw.includes('INV-2025-000002'))).toHaveLength(1);

    // The run of March neither bills it again nor leaves a gap.
    const march = await runBilling(deps, { today: '2025-03-01' });
    await drain(deps);
    expect(march.planned).toEqual(['INV-2025-000003']);
    expect((await deps.ledger.listInvoices()).map((i) => i.invoice.number)).toEqual([
      'INV-2025-000001',
      'INV-2025-000002',
      'INV-2025-000003',
    ]);
  });

  it('leaves a charge to invoice now off the billing run, and says when a charge is billed already', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(REFERENCE);
    await addCharge(deps, charge('DEP2', { invoiceNow: true }));
    await addCharge(deps, charge('CH9'));
    const run = await runBilling(deps, { today: '2025-02-01' });
    await drain(deps);
    expect(await lines(deps, run.planned[1]!)).toEqual([['charge', 'CH9', '100.01']]);
    await expect(invoiceChargeNow(deps, { clientId: 'C002', chargeId: 'CH9', today: '2025-02-02' })).rejects.toThrow(
      'Charge CH9 is billed on INV-2025-000002 already',
    );
    await expect(invoiceChargeNow(deps, { clientId: 'C002', chargeId: 'NOPE', today: '2025-02-02' })).rejects.toThrow(
      'No charge NOPE for client C002',
    );
  });
});
