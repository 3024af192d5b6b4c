/**
 * runBilling and the invoice worker on the in-memory ports (no JVM): a retried run plans,
 * reserves and queues the same invoices, redelivered work messages issue and email each invoice
 * once, and the next period's numbers follow on with no gap.
 */
import { describe, expect, it } from 'vitest';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { agreement, client, reference } from '../support/builders.js';
import { memoryDeps } from '../fakes/memory-ports.js';

function twoClients() {
  return reference({
    clients: [client({ clientId: 'C002', name: 'Client Two', billingEmails: ['ap@c2.example'] }), client()],
    agreements: [agreement(), agreement({ agreementId: 'A2', clientId: 'C002' })],
  });
}

describe('runBilling (in memory)', () => {
  it('reserves and queues the same numbers when retried, in client_id order', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(twoClients());

    const first = await runBilling(deps, { today: '2025-02-01' });
    const retry = await runBilling(deps, { today: '2025-02-01' });

    expect(first.planned).toEqual(['INV-2025-000001', 'INV-2025-000002']);
    expect(retry.planned).toEqual(first.planned);
    // The same message ids: the queue's de-duplication (and the worker's keys) make them one.
    expect(new Set(deps.workQueue.sent.map((m) => m.id))).toEqual(
      new Set(['issue#INV-2025-000001', 'issue#INV-2025-000002']),
    );
    const issued = deps.workQueue.bodies() as { number: string; draft: { clientId: string } }[];
    expect(issued.slice(0, 2).map((m) => [m.number, m.draft.clientId])).toEqual([
      ['INV-2025-000001', 'C001'],
      ['INV-2025-000002', 'C002'],
    ]);
    // One reconciliation of the period, stored once.
    expect((await deps.ledger.recentReconciliations(5)).map((r) => r.period)).toEqual(['2025-01']);
  });

  it('issues and emails each invoice once however often its message is delivered', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(twoClients());
    await runBilling(deps, { today: '2025-02-01' });
    await runBilling(deps, { today: '2025-02-01' }); // a retried run: every message twice

    await deps.workQueue.drain(WorkMessageSchema, (message) => handleWorkMessage(deps, message));

    expect((await deps.ledger.listInvoices()).map((i) => [i.invoice.number, i.invoice.clientId])).toEqual([
      ['INV-2025-000001', 'C001'],
      ['INV-2025-000002', 'C002'],
    ]);
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([['ap@c1.example'], ['ap@c2.example']]);
    expect((await deps.ledger.sentLog()).map((e) => e.key)).toEqual([
      'invoice#INV-2025-000001',
      'invoice#INV-2025-000002',
    ]);
    expect(deps.artifacts.text('invoices/INV-2025-000002.json')).toContain('"C002"');
  });

  it('numbers the next period after the last reserved block, with no gap', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(twoClients());
    await runBilling(deps, { today: '2025-02-01' });
    await runBilling(deps, { today: '2025-02-01' });

    const march = await runBilling(deps, { today: '2025-03-01' });

    expect(march.planned).toEqual(['INV-2025-000003', 'INV-2025-000004']);
  });
});
