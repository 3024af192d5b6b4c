/**
 * runDunning on the in-memory ports (no JVM): a step is recorded and emailed once — not again
 * on a re-run the same day, nor the next day — and the fee step charges one late fee.
 */
import { describe, expect, it } from 'vitest';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { runDunning } from '../../functions/app/run-dunning.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { reference } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';

async function overdueInvoice(): Promise<MemoryDeps> {
  const deps = memoryDeps();
  await deps.ledger.saveReferenceData(reference());
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ dueDate: '2025-03-03' }), []);
  return deps;
}

const deliverQueued = (deps: MemoryDeps) =>
  deps.workQueue.drain(WorkMessageSchema, (message) => handleWorkMessage(deps, message));

describe('runDunning (in memory)', () => {
  it('records and sends a due step once, however often the run and its messages repeat', async () => {
    const deps = await overdueInvoice();

    const first = await runDunning(deps, { today: '2025-03-10' }); // overdue_1: due + 7
    const again = await runDunning(deps, { today: '2025-03-10' });
    const nextDay = await runDunning(deps, { today: '2025-03-11' });
    await deliverQueued(deps);
    deps.workQueue.redeliver();
    await deliverQueued(deps);

    expect([first.emails, again.emails, nextDay.emails]).toEqual([1, 0, 0]);
    expect((await deps.ledger.getInvoice('INV-2025-000001'))?.stepsSent).toEqual(new Set(['overdue_1']));
    expect(deps.mailer.sent).toHaveLength(1);
    expect((await deps.ledger.sentLog()).map((e) => [e.key, e.invoices])).toEqual([
      ['dunning#C001#2025-03-10', [{ number: 'INV-2025-000001', step: 'overdue_1' }]],
    ]);
  });

  it('charges the fee step once', async () => {
    const deps = await overdueInvoice();
    await runDunning(deps, { today: '2025-03-10' });

    const feeDay = await runDunning(deps, { today: '2025-03-17' }); // overdue_2: due + 14, 1.5 %
    const rerun = await runDunning(deps, { today: '2025-03-17' });

    expect([feeDay, rerun]).toEqual([
      { emails: 1, lateFees: 1 },
      { emails: 0, lateFees: 0 },
    ]);
    expect(
      (await deps.ledger.unbilledLateFees('C001')).map((f) => [f.invoiceNumber, f.step, f.amount.toFixed()]),
    ).toEqual([['INV-2025-000001', 'overdue_2', '1.5']]);
  });

  it('sends again a step whose email bounced', async () => {
    const deps = await overdueInvoice();
    await runDunning(deps, { today: '2025-03-10' });
    await deliverQueued(deps);

    await deps.ledger.markBounced(deps.mailer.sent[0]!.messageId);
    const after = await runDunning(deps, { today: '2025-03-11' });

    expect(after.emails).toBe(1);
  });
});
