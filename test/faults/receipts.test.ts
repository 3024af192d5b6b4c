/**
 * Receipts are exactly-once like every email: the payments job (apply the day's payments, the
 * invoice workers drain the work queue) is run with a fault at every AWS call in every mode,
 * then retried, and the final state — the payment applied once, one `receipt#<paymentId>`
 * entry, the email accepted by SES once — must equal the clean run's (or differ only by the
 * documented SES window, docs/guarantees.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDuePayments, importPayments } from '../../functions/app/apply-payments.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { startEmbeddedAws, type EmbeddedAws } from '../../functions/adapters/local/embedded-aws.js';
import { Dec } from '../../functions/domain/money.js';
import type { Invoice } from '../../functions/domain/billing-types.js';
import { harnessContext, runJobScenarios, runOnFork, type HarnessContext } from './harness.js';
import { provisionLocal, type LocalInstallation } from '../../functions/local-runner/local-runtime.js';
import { client, reference, settings } from '../support/builders.js';

let aws: EmbeddedAws;
let ctx: HarnessContext;
let base: LocalInstallation;

const INVOICE: Invoice = {
  number: 'INV-2026-000001',
  clientId: 'C001',
  period: '2026-01',
  currency: 'USD',
  issueDate: '2026-02-01',
  dueDate: '2026-03-03',
  lines: [
    {
      kind: 'recurring',
      sku: 'SEAT',
      period: '2026-02',
      description: 'Seat',
      quantity: new Dec(1),
      unitPrice: new Dec(300),
      amount: new Dec('300.00'),
    },
  ],
  subtotal: new Dec('300.00'),
  tax: new Dec('0.00'),
  total: new Dec('300.00'),
};

async function paymentsJob(i: LocalInstallation): Promise<void> {
  await applyDuePayments(i.deps, { today: '2026-02-10' });
  await i.drain(i.queues.work, WorkMessageSchema, (message) => handleWorkMessage(i.deps, message));
}

beforeAll(async () => {
  aws = await startEmbeddedAws();
  ctx = harnessContext(aws);
  base = await provisionLocal(aws, 'receipts');
  await base.deps.ledger.saveReferenceData(
    reference({
      settings: { ...settings(), receipts: { enabled: true } },
      clients: [client({ clientId: 'C001', name: 'Alpha', billingEmails: ['ap@alpha.example'], currency: 'USD' })],
      agreements: [],
    }),
  );
  await base.deps.ledger.reserveInvoiceNumbers('2026-01', 1);
  await base.deps.ledger.issueNumberedInvoice(INVOICE, []);
  await importPayments(base.deps, [
    {
      paymentId: 'PAY-1',
      invoiceNumber: INVOICE.number,
      amount: new Dec('100.00'),
      currency: 'USD',
      receivedOn: '2026-02-10',
    },
    {
      paymentId: 'PAY-2',
      invoiceNumber: INVOICE.number,
      amount: new Dec('200.00'),
      currency: 'USD',
      receivedOn: '2026-02-10',
    },
  ]);
}, 120_000);

afterAll(async () => {
  await aws?.stop();
});

describe('receipts under faults', () => {
  it('the clean run records and sends one receipt per payment', async () => {
    const clean = await runOnFork(ctx, { snapshot: base, run: paymentsJob });
    expect(clean.firstError).toBeUndefined();
    expect(clean.callNames.filter((c) => c.endsWith('SendRawEmail'))).toHaveLength(2);
  }, 120_000);

  it('a fault at any call, in any mode, then a retry: one receipt per payment, nothing else different', async () => {
    const report = await runJobScenarios(
      ctx,
      { name: 'payments', snapshot: base, run: paymentsJob },
      { modes: ['error', 'lost', 'crash'] },
    );
    expect(report.n).toBeGreaterThan(10);
    const divergences = report.scenarios
      .filter((s) => s.outcome === 'divergence')
      .map((s) => `k=${s.k} ${s.mode} ${s.call}: ${s.differences.join('; ')}`);
    expect(divergences).toEqual([]);
  }, 600_000);
});
