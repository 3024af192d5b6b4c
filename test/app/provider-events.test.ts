/**
 * The webhook's events on the in-memory ports with FakePaymentProvider: money applied once by
 * the SPEC §6 rules whatever the order, duplication or concurrency of deliveries; refusals leave
 * no trace; a failure is a discrepancy and dunning goes on; a dispute stops dunning and alerts
 * the billing team once.
 */
import { describe, expect, it } from 'vitest';
import { voidInvoice } from '../../functions/app/credit-notes.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../../functions/app/messages.js';
import type { ProviderEvent } from '../../functions/app/ports.js';
import { handleWebhookDelivery, NO_INVOICE } from '../../functions/app/provider-events.js';
import { runDunning } from '../../functions/app/run-dunning.js';
import { storeDiscrepancy } from '../../functions/app/store-discrepancy.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import type { Settings } from '../../functions/domain/billing-types.js';
import { fakeDelivery, FakePaymentProvider } from '../fakes/fake-payment-provider.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';
import { d, reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

const INV = 'INV-2025-000001';
/** 2025-02-10 18:00 UTC: noon in Chicago, after the invoice's issue date (2025-02-01). */
const FEB_10 = Date.UTC(2025, 1, 10, 18) / 1000;

type PaymentsDeps = MemoryDeps & { payments: NonNullable<MemoryDeps['payments']> };

async function setup(overrides: Partial<Settings> = {}): Promise<PaymentsDeps> {
  const deps = memoryDeps();
  await deps.ledger.saveReferenceData(
    reference({
      settings: settings({
        payments: { provider: 'stripe', methods: ['card', 'us_bank_account'], autoPayOn: 'due_date' },
        receipts: { enabled: true },
        ...overrides,
      }),
    }),
  );
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: INV, total: '100.00' }), []);
  return {
    ...deps,
    payments: { provider: new FakePaymentProvider(), endpointUrl: 'https://pay.test', linkKey: async () => 'k' },
  };
}

function paid(id: string, overrides: Partial<Extract<ProviderEvent, { kind: 'payment_succeeded' }>['payment']> = {}) {
  return (eventId: string, type = 'payment_intent.succeeded', created = FEB_10): ProviderEvent => ({
    kind: 'payment_succeeded',
    id: eventId,
    type,
    created,
    payment: {
      providerReference: id,
      invoiceNumber: INV,
      amount: d('100.00'),
      currency: 'USD',
      method: 'card',
      methodDetail: 'Visa •••• 4242',
      ...overrides,
    },
  });
}

const refund = (eventId: string, refundId: string, amount: string, created = FEB_10): ProviderEvent => ({
  kind: 'refunded',
  id: eventId,
  type: 'charge.refunded',
  created,
  refunds: [{ refundId, paymentReference: 'pi_1', invoiceNumber: INV, amount: d(amount), currency: 'USD' }],
});

async function deliver(deps: PaymentsDeps, event: ProviderEvent) {
  const { payload, signature } = fakeDelivery(event);
  return handleWebhookDelivery(deps, { payload, signature });
}

/** Runs the queues' consumers as the workers would: discrepancies stored, emails sent. */
async function drain(deps: PaymentsDeps): Promise<void> {
  await deps.discrepancyQueue.drain(DiscrepancyMessageSchema, async (m) => {
    await storeDiscrepancy(deps, m);
  });
  await deps.workQueue.drain(WorkMessageSchema, (m) => handleWorkMessage(deps, m));
}

async function account(deps: PaymentsDeps) {
  const invoice = await deps.ledger.getInvoice(INV);
  return { paid: invoice?.paid.toFixed(2), payments: invoice?.payments.map((p) => [p.paymentId, p.amount.toFixed(2)]) };
}

/** Everything a delivery could change, as comparable data. */
async function ledgerState(deps: PaymentsDeps): Promise<string> {
  const l = deps.ledger;
  return JSON.stringify({
    events: await l.listProviderEvents(),
    invoices: await l.listInvoices(),
    pending: await l.pendingPayments('9999-12-31'),
    outbox: [...(await l.pendingOutbox()), ...(await l.sentLog())],
    discrepancies: await l.listDiscrepancies(),
    queued: [deps.workQueue.sent, deps.discrepancyQueue.sent],
  });
}

describe('webhook: money in', () => {
  it('applies a payment at once, on the MSP-zone day of the event, with one receipt', async () => {
    const deps = await setup();

    const answer = await deliver(deps, paid('pi_1', { surcharge: d('3.00') })('evt_1'));
    await drain(deps);

    expect(answer).toEqual({ status: 200, outcome: 'applied', eventId: 'evt_1' });
    expect(await account(deps)).toEqual({ paid: '100.00', payments: [['pi_1', '100.00']] });
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.mailer.sent[0]!.raw).toContain('Receipt');
    expect(await deps.ledger.listProviderEvents()).toEqual([
      {
        id: 'evt_1',
        type: 'payment_intent.succeeded',
        receivedOn: '2025-02-10',
        invoiceNumber: INV,
        outcome: 'payment pi_1',
      },
    ]);
  });

  it('applies the same event delivered twice once, with one receipt', async () => {
    const deps = await setup();
    const event = paid('pi_1')('evt_1');

    const first = await deliver(deps, event);
    const second = await deliver(deps, event);
    await drain(deps);

    expect([first.outcome, second.outcome]).toEqual(['applied', 'duplicate']);
    expect(await account(deps)).toEqual({ paid: '100.00', payments: [['pi_1', '100.00']] });
    expect(deps.mailer.sent).toHaveLength(1);
  });

  it('applies five concurrent deliveries of one event once', async () => {
    const deps = await setup();
    const event = paid('pi_1', { amount: d('60.00') })('evt_1');

    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => deliver(deps, event)));
    await drain(deps);
    deps.workQueue.redeliver();
    await drain(deps);

    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await account(deps)).toEqual({ paid: '60.00', payments: [['pi_1', '60.00']] });
    expect(deps.mailer.sent).toHaveLength(1);
    expect(await deps.ledger.listDiscrepancies()).toEqual([]);
  });

  it('takes checkout.session.completed and payment_intent.succeeded of one payment as one payment', async () => {
    const deps = await setup();

    const session = await deliver(deps, paid('pi_1')('evt_1', 'checkout.session.completed'));
    const intent = await deliver(deps, paid('pi_1')('evt_2', 'payment_intent.succeeded'));
    await drain(deps);

    expect([session.outcome, intent.outcome]).toEqual(['applied', 'duplicate']);
    expect(await account(deps)).toEqual({ paid: '100.00', payments: [['pi_1', '100.00']] });
    expect((await deps.ledger.listProviderEvents()).map((e) => [e.id, e.outcome])).toEqual([
      ['evt_1', 'payment pi_1'],
      ['evt_2', 'payment pi_1'],
    ]);
    expect(deps.mailer.sent).toHaveLength(1);
  });

  it('records a refund as a negative payment, each refund once, with no receipt', async () => {
    const deps = await setup();
    await deliver(deps, paid('pi_1')('evt_1'));

    const first = await deliver(deps, refund('evt_2', 're_1', '40.00'));
    const again = await deliver(deps, refund('evt_3', 're_1', '40.00')); // a later charge.refunded lists it again
    await drain(deps);

    expect([first.outcome, again.outcome]).toEqual(['refunded: re_1 applied', 'refunded: re_1 duplicate']);
    expect(await account(deps)).toEqual({
      paid: '60.00',
      payments: [
        ['pi_1', '100.00'],
        ['re_1', '-40.00'],
      ],
    });
    expect(deps.mailer.sent).toHaveLength(1); // the payment's receipt only
  });

  it('leaves a refund that arrives before its payment unapplied, as SPEC §6 does, and applies the payment', async () => {
    const deps = await setup();

    await deliver(deps, refund('evt_2', 're_1', '40.00'));
    await deliver(deps, paid('pi_1')('evt_1'));
    await drain(deps);

    expect(await account(deps)).toEqual({ paid: '100.00', payments: [['pi_1', '100.00']] });
    expect((await deps.ledger.listDiscrepancies()).map((x) => [x.type, x.amountAtStake?.toFixed(2), x.detail])).toEqual(
      [['unapplied_payment', '-40.00', `Payment re_1 of -40.00 USD for ${INV}: overpayment`]],
    );
  });
});

describe('webhook: provider fees', () => {
  const usd = (amount: string) => ({ amount: d(amount), currency: 'USD' });
  const feeReported = (eventId: string, amount: string, chargeCreated = FEB_10 - 60): ProviderEvent => ({
    kind: 'fee_reported',
    id: eventId,
    type: 'charge.updated',
    created: FEB_10,
    paymentReference: 'pi_1',
    invoiceNumber: INV,
    fee: usd(amount),
    chargeCreated,
  });
  /** The payment's fee as the ledger keeps it: `3.20 USD`, or undefined. */
  async function feeOf(deps: PaymentsDeps, paymentId = 'pi_1'): Promise<string | undefined> {
    const payment = [
      ...(await deps.ledger.recordedPayments()),
      ...(await deps.ledger.pendingPayments('9999-12-31')),
    ].find((p) => p.paymentId === paymentId);
    return payment?.fee === undefined ? undefined : `${payment.fee.toFixed(2)} ${payment.feeCurrency}`;
  }

  it('records the fee with its payment; a redelivery and a later event keep the one fee', async () => {
    const deps = await setup();

    const first = await deliver(deps, paid('pi_1', { fee: usd('3.20') })('evt_1'));
    const again = await deliver(deps, paid('pi_1', { fee: usd('3.20') })('evt_1'));
    const later = await deliver(deps, paid('pi_1', { fee: usd('9.99') })('evt_2', 'checkout.session.completed'));
    const reported = await deliver(deps, feeReported('evt_3', '9.99'));

    expect([first.outcome, again.outcome, later.outcome, reported.outcome]).toEqual([
      'applied',
      'duplicate',
      'duplicate',
      'fee known',
    ]);
    expect(await feeOf(deps)).toBe('3.20 USD');
    expect(await account(deps)).toEqual({ paid: '100.00', payments: [['pi_1', '100.00']] }); // never applied
  });

  it('adds a bank debit fee that arrives after its payment (charge.updated), once', async () => {
    const deps = await setup();

    await deliver(deps, paid('pi_1', { method: 'us_bank_account' })('evt_1'));
    expect(await feeOf(deps)).toBeUndefined(); // applied without a fee: the fee never holds up the money
    const reported = await deliver(deps, feeReported('evt_2', '0.80'));
    const redelivered = await deliver(deps, feeReported('evt_2', '0.80'));

    expect([reported.outcome, redelivered.outcome]).toEqual(['fee recorded', 'duplicate']);
    expect(await feeOf(deps)).toBe('0.80 USD');
    expect((await deps.ledger.listProviderEvents()).map((e) => [e.id, e.outcome])).toEqual([
      ['evt_1', 'payment pi_1'],
      ['evt_2', 'fee of pi_1'],
    ]);
  });

  it('adds the fee a later event of the same payment knows (the next read)', async () => {
    const deps = await setup();

    await deliver(deps, paid('pi_1')('evt_1', 'checkout.session.completed'));
    await deliver(deps, paid('pi_1', { fee: usd('3.20') })('evt_2'));

    expect(await feeOf(deps)).toBe('3.20 USD');
  });

  it("refuses a fresh charge's fee that arrives before its payment (retried), and records it on the retry", async () => {
    const deps = await setup();

    await expect(deliver(deps, feeReported('evt_2', '3.20'))).rejects.toThrow(/arrived before the payment/);
    expect(await deps.ledger.listProviderEvents()).toEqual([]); // not logged: the redelivery is handled
    await deliver(deps, paid('pi_1')('evt_1'));
    expect((await deliver(deps, feeReported('evt_2', '3.20'))).outcome).toBe('fee recorded');
    expect(await feeOf(deps)).toBe('3.20 USD');
  });

  it("only notes an old charge's fee with no payment (a charge edited long after, never TrueUp's)", async () => {
    const deps = await setup();
    const answer = await deliver(deps, feeReported('evt_9', '3.20', FEB_10 - 4 * 86_400));
    expect(answer).toEqual({ status: 200, outcome: 'fee noted, no such payment', eventId: 'evt_9' });
    expect(await deps.ledger.recordedPayments()).toEqual([]);
  });

  it("keeps a refund's fee as reported (0: Stripe returns none)", async () => {
    const deps = await setup();
    await deliver(deps, paid('pi_1', { fee: usd('3.20') })('evt_1'));
    const event = refund('evt_2', 're_1', '40.00');
    if (event.kind !== 'refunded') throw new Error(event.kind);
    await deliver(deps, { ...event, refunds: event.refunds.map((r) => ({ ...r, fee: usd('0') })) });
    expect(await feeOf(deps, 're_1')).toBe('0.00 USD');
    expect(await feeOf(deps)).toBe('3.20 USD');
  });
});

describe('webhook: money that cannot be applied', () => {
  const unapplied = async (deps: PaymentsDeps) =>
    (await deps.ledger.listDiscrepancies()).map((x) => [x.type, x.amountAtStake?.toFixed(2), x.detail]);

  it('leaves money for an unknown invoice unapplied with a discrepancy', async () => {
    const deps = await setup();
    await deliver(deps, paid('pi_1', { invoiceNumber: 'INV-2099-000009' })('evt_1'));
    await drain(deps);

    expect(await account(deps)).toEqual({ paid: '0.00', payments: [] });
    expect(await unapplied(deps)).toEqual([
      ['unapplied_payment', '100.00', 'Payment pi_1 of 100.00 USD for INV-2099-000009: unknown invoice'],
    ]);
    expect(deps.mailer.sent).toEqual([]);
  });

  it('leaves money without invoice metadata unapplied', async () => {
    const deps = await setup();
    await deliver(deps, paid('pi_1', { invoiceNumber: undefined })('evt_1'));
    await drain(deps);

    expect(await unapplied(deps)).toEqual([
      ['unapplied_payment', '100.00', `Payment pi_1 of 100.00 USD for ${NO_INVOICE}: unknown invoice`],
    ]);
  });

  it('leaves money dated before the invoice was issued unapplied', async () => {
    const deps = await setup();
    await deliver(deps, paid('pi_1')('evt_1', 'payment_intent.succeeded', Date.UTC(2025, 0, 20, 18) / 1000));
    await drain(deps);

    expect(await account(deps)).toEqual({ paid: '0.00', payments: [] });
    expect(await unapplied(deps)).toEqual([
      ['unapplied_payment', '100.00', `Payment pi_1 of 100.00 USD for ${INV}: unknown invoice`],
    ]);
  });

  it('leaves money for a voided invoice unapplied', async () => {
    const deps = await setup();
    await voidInvoice(deps, { invoiceNumber: INV, reason: 'Billed twice', today: '2025-02-05', by: 'test' });
    await deliver(deps, paid('pi_1')('evt_1'));
    await drain(deps);

    expect((await deps.ledger.getInvoice(INV))?.payments.map((p) => p.paymentId)).not.toContain('pi_1');
    expect(await unapplied(deps)).toEqual([
      ['unapplied_payment', '100.00', `Payment pi_1 of 100.00 USD for ${INV}: overpayment`],
    ]);
  });

  it('leaves money in another currency unapplied', async () => {
    const deps = await setup();
    await deliver(deps, paid('pi_1', { currency: 'EUR' })('evt_1'));
    await drain(deps);

    expect(await account(deps)).toEqual({ paid: '0.00', payments: [] });
    expect(await unapplied(deps)).toEqual([
      ['unapplied_payment', '100.00', `Payment pi_1 of 100.00 EUR for ${INV}: currency mismatch`],
    ]);
  });
});

describe('webhook: refusals leave no trace', () => {
  it('answers 400 to a bad signature and changes nothing', async () => {
    const deps = await setup();
    const before = await ledgerState(deps);
    const { payload, signature } = fakeDelivery(paid('pi_1')('evt_1'));

    const tampered = await handleWebhookDelivery(deps, { payload: payload.replace('100', '900'), signature });
    const unsigned = await handleWebhookDelivery(deps, { payload, signature: undefined });

    expect([tampered.status, unsigned.status]).toEqual([400, 400]);
    expect(await ledgerState(deps)).toBe(before);
  });

  it('answers 400 to an event type it does not handle and changes nothing', async () => {
    const deps = await setup();
    const before = await ledgerState(deps);

    const answer = await deliver(deps, { kind: 'unsupported', id: 'evt_9', type: 'customer.created', created: FEB_10 });

    expect(answer).toMatchObject({ status: 400, outcome: 'unsupported event type customer.created' });
    expect(await ledgerState(deps)).toBe(before);
  });

  it('answers 503 when nothing is wired to verify deliveries', async () => {
    const deps = await setup();
    const { payload, signature } = fakeDelivery(paid('pi_1')('evt_1'));
    const answer = await handleWebhookDelivery({ ...deps, payments: undefined }, { payload, signature });
    expect(answer.status).toBe(503);
    expect(await deps.ledger.listProviderEvents()).toEqual([]);
  });
});

describe('webhook: failures and disputes', () => {
  const failed = (eventId: string, type: string): ProviderEvent => ({
    kind: 'payment_failed',
    id: eventId,
    type,
    created: FEB_10,
    reason: 'Your card was declined.',
    payment: { providerReference: 'pi_1', invoiceNumber: INV, amount: d('100.00'), currency: 'USD' },
  });

  it('records a failed payment as one payment_failed discrepancy and dunning goes on', async () => {
    const deps = await setup();

    await deliver(deps, failed('evt_1', 'payment_intent.payment_failed'));
    await deliver(deps, failed('evt_2', 'checkout.session.async_payment_failed'));
    await drain(deps);
    const dunning = await runDunning(deps, { today: '2025-03-10' }); // due 2025-03-03 + 7

    expect((await deps.ledger.listDiscrepancies()).map((x) => [x.type, x.clientId, x.detail])).toEqual([
      ['payment_failed', 'C001', `Payment pi_1 of 100.00 USD for ${INV} failed: Your card was declined.`],
    ]);
    expect(await account(deps)).toEqual({ paid: '0.00', payments: [] });
    expect(dunning.emails).toBe(1);
  });

  const disputed = (eventId: string): ProviderEvent => ({
    kind: 'disputed',
    id: eventId,
    type: 'charge.dispute.created',
    created: FEB_10,
    disputeId: 'dp_1',
    reason: 'fraudulent',
    payment: { providerReference: 'pi_1', invoiceNumber: INV, amount: d('100.00'), currency: 'USD' },
  });

  it('marks the invoice disputed (dunning stops) and alerts the billing team once', async () => {
    const deps = await setup();
    await deliver(deps, paid('pi_1', { amount: d('30.00') })('evt_1'));

    const first = await deliver(deps, disputed('evt_2'));
    const again = await deliver(deps, disputed('evt_2'));
    const redelivered = await Promise.all([deliver(deps, disputed('evt_3')), deliver(deps, disputed('evt_3'))]);
    await drain(deps);
    const dunning = await runDunning(deps, { today: '2025-03-10' });

    expect([first.outcome, again.outcome, ...redelivered.map((a) => a.status)]).toEqual([
      'disputed',
      'duplicate',
      200,
      200,
    ]);
    expect((await deps.ledger.getInvoice(INV))?.disputedOn).toBe('2025-02-10');
    expect(dunning.emails).toBe(0);
    const alerts = (await deps.ledger.sentLog()).filter((e) => e.kind === 'payment_disputed');
    expect(alerts.map((e) => [e.key, e.to, e.subject])).toEqual([
      ['dispute#dp_1', ['billing@acme-it.example'], `Payment disputed: USD 100.00 for ${INV} — Acme IT`],
    ]);
    expect(deps.mailer.sent.filter((m) => m.raw.includes('disputed a payment'))).toHaveLength(1);
  });

  it('records a checkout that is not paid yet (a bank debit) without effects', async () => {
    const deps = await setup();
    const answer = await deliver(deps, {
      kind: 'noted',
      id: 'evt_1',
      type: 'checkout.session.completed',
      created: FEB_10,
      invoiceNumber: INV,
    });

    expect(answer.outcome).toBe('noted');
    expect(await account(deps)).toEqual({ paid: '0.00', payments: [] });
    expect((await deps.ledger.listProviderEvents()).map((e) => e.outcome)).toEqual(['noted']);
  });
});
