/**
 * The simulated day with auto-pay, on the embedded AWS stand-in (the DynamoDB ledger's auto-pay
 * log and outbox, the real queues): with a provider wired, the day charges an auto-pay client's
 * invoice due that day before dunning, applies it and sends the email; the next day changes
 * nothing. Without a provider the day does not charge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentsWiring } from '../../functions/app/deps.js';
import { invoiceBalance } from '../../functions/domain/invoice-balance.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { runDay } from '../../functions/local-runner/simulate.js';
import { FakePaymentProvider } from '../fakes/fake-payment-provider.js';
import { client, reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

const NUMBER = 'INV-2025-000001'; // due 2025-03-03, USD 100

describe('runDay with auto-pay (embedded AWS)', () => {
  let runtime: LocalRuntime;
  const provider = new FakePaymentProvider();
  const wiring: PaymentsWiring = { provider, endpointUrl: undefined, linkKey: () => Promise.resolve('k') };

  beforeAll(async () => {
    runtime = await startLocalRuntime();
    await runtime.deps.ledger.saveReferenceData(
      reference({
        settings: settings({
          timezone: 'UTC',
          payments: { provider: 'stripe', methods: ['card'], autoPayOn: 'due_date' },
        }),
        clients: [client({ autoPay: true, paymentCustomerId: 'cus_1' })],
      }),
    );
    await runtime.deps.ledger.issueNumberedInvoice(issuedInvoice(), []);
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  it('without a provider the due day charges nothing; with one, the first day after charges before dunning, once', async () => {
    const agingWeekday = 8; // no aging report on these days
    await runDay(runtime, '2025-03-03', agingWeekday); // no provider wired: dunned, not charged
    expect(provider.charges.size).toBe(0);

    const wired = { ...runtime, deps: { ...runtime.deps, payments: wiring } };
    provider.now = Date.parse('2025-03-10T15:00:00Z') / 1000;
    await runDay(wired, '2025-03-10', agingWeekday); // overdue_1 would be due: paid first, so not sent
    await runDay(wired, '2025-03-11', agingWeekday);

    expect(provider.charges.size).toBe(1);
    const account = await runtime.deps.ledger.getInvoice(NUMBER);
    expect(account && invoiceBalance(account).status).toBe('paid');
    expect(account?.payments.map((p) => [p.paymentId, p.receivedOn])).toEqual([['pi_test_1', '2025-03-10']]);
    expect(await runtime.deps.ledger.listAutoPays()).toMatchObject([{ invoiceNumber: NUMBER, status: 'succeeded' }]);
    const sent = await runtime.deps.ledger.sentLog();
    expect(sent.map((e) => [e.kind, e.key])).toEqual([
      ['dunning', 'dunning#C001#2025-03-03'],
      ['auto_pay', `autopay#${NUMBER}`],
    ]);
  }, 120_000);
});
