/**
 * runAutoPay on the in-memory ports with FakePaymentProvider: an auto-pay client's invoice is
 * charged once on its auto-pay day (or the first run after it), applied, and emailed; a
 * re-run, or a run that died anywhere, charges nothing twice; declines and caps go to the
 * discrepancy queue and leave the invoice to dunning.
 */
import { describe, expect, it } from 'vitest';
import { applyPaymentNow } from '../../functions/app/apply-payments.js';
import { AutoPayError, runAutoPay, type AutoPayDeps } from '../../functions/app/auto-pay.js';
import type { PaymentsWiring } from '../../functions/app/deps.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../../functions/app/messages.js';
import type { PaymentProvider } from '../../functions/app/ports.js';
import { runDunning } from '../../functions/app/run-dunning.js';
import { storeDiscrepancy } from '../../functions/app/store-discrepancy.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import type { Client, PaymentSettings } from '../../functions/domain/billing-types.js';
import { invoiceBalance } from '../../functions/domain/invoice-balance.js';
import { autoPayEmail } from '../../functions/render/auto-pay-email.js';
import { FakePaymentProvider } from '../fakes/fake-payment-provider.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';
import { client, d, reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

const NUMBER = 'INV-2025-000001'; // issued 2025-02-01, due 2025-03-03, USD 100
const PAYMENTS: PaymentSettings = { provider: 'stripe', methods: ['card', 'us_bank_account'], autoPayOn: 'due_date' };

interface Setup {
  readonly deps: MemoryDeps & AutoPayDeps;
  readonly provider: FakePaymentProvider;
}

async function setup(
  options: { client?: Partial<Client>; payments?: PaymentSettings | null; wired?: boolean } = {},
): Promise<Setup> {
  const provider = new FakePaymentProvider();
  const wiring: PaymentsWiring = { provider, endpointUrl: undefined, linkKey: () => Promise.resolve('k') };
  const deps = { ...memoryDeps(), ...(options.wired === false ? {} : { payments: wiring }) };
  const payments = options.payments === null ? {} : { payments: options.payments ?? PAYMENTS };
  await deps.ledger.saveReferenceData(
    reference({
      settings: settings({ ...payments, timezone: 'UTC' }),
      clients: [client({ autoPay: true, paymentCustomerId: 'cus_1', ...options.client })],
    }),
  );
  await deps.ledger.issueNumberedInvoice(issuedInvoice(), []);
  return { deps, provider };
}

/** Runs auto-pay as the daily job does on `day` (the provider's clock at noon that day), then the queues' workers. */
async function runOn(s: Setup, day: string): Promise<Awaited<ReturnType<typeof runAutoPay>>> {
  s.provider.now = Date.parse(`${day}T12:00:00Z`) / 1000;
  const result = await runAutoPay(s.deps, { today: day });
  await drain(s);
  return result;
}

async function drain({ deps }: Setup): Promise<void> {
  await deps.workQueue.drain(WorkMessageSchema, (message) => handleWorkMessage(deps, message));
  await deps.discrepancyQueue.drain(DiscrepancyMessageSchema, async (message) => {
    await storeDiscrepancy(deps, message);
  });
}

async function balance({ deps }: Setup): Promise<string> {
  const account = await deps.ledger.getInvoice(NUMBER);
  return account ? invoiceBalance(account).balance.toFixed(2) : 'none';
}

const payments = async ({ deps }: Setup) => (await deps.ledger.getInvoice(NUMBER))?.payments ?? [];
const autoPayEmails = async ({ deps }: Setup) => (await deps.ledger.sentLog()).filter((e) => e.kind === 'auto_pay');

/** The decoded quoted-printable body of a raw message. */
function decoded(raw: string): string {
  const bytes = raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

describe('runAutoPay: when an invoice is charged', () => {
  it('charges the balance on the due date, not before, applies it and emails the client once', async () => {
    const s = await setup();

    const before = await runOn(s, '2025-03-02');
    const onDay = await runOn(s, '2025-03-03');

    expect(before).toEqual({ succeeded: 0, processing: 0, failed: 0, skipped: 0 });
    expect(onDay.succeeded).toBe(1);
    expect(
      [...s.provider.charges.values()].map((c) => [c.request.idempotencyKey, c.request.amount.toFixed(2)]),
    ).toEqual([['autopay-INV-2025-000001', '100.00']]);
    expect(await balance(s)).toBe('0.00');
    expect((await payments(s)).map((p) => [p.paymentId, p.amount.toFixed(2), p.receivedOn])).toEqual([
      ['pi_test_1', '100.00', '2025-03-03'],
    ]);
    expect(await s.deps.ledger.getAutoPay(NUMBER)).toMatchObject({
      status: 'succeeded',
      on: '2025-03-03',
      providerReference: 'pi_test_1',
      methodDetail: 'Visa •••• 4242',
    });
    const emails = await autoPayEmails(s);
    expect(emails.map((e) => [e.key, e.to, e.subject])).toEqual([
      [
        'autopay#INV-2025-000001',
        ['ap@c1.example'],
        'Auto-pay: USD 100.00 charged for invoice INV-2025-000001 — Acme IT',
      ],
    ]);
    const body = decoded(s.deps.mailer.sent.at(-1)?.raw ?? '');
    expect(body).toContain('we charged USD 100.00 to Visa •••• 4242 on Mar 3, 2025 for invoice INV-2025-000001');
  });

  it('with autoPayOn issue_date: on the issue date, not the day before', async () => {
    const s = await setup({ payments: { ...PAYMENTS, autoPayOn: 'issue_date' } });

    expect((await runOn(s, '2025-01-31')).succeeded).toBe(0);
    expect((await runOn(s, '2025-02-01')).succeeded).toBe(1);
    expect((await payments(s)).map((p) => p.receivedOn)).toEqual(['2025-02-01']);
  });

  it('catches up after missed days: the first run after the day charges it', async () => {
    const s = await setup();

    expect((await runOn(s, '2025-03-09')).succeeded).toBe(1);
    expect(await balance(s)).toBe('0.00');
  });

  it('charges only the balance left after a partial payment', async () => {
    const s = await setup();
    await applyPaymentNow(
      s.deps,
      { paymentId: 'P1', invoiceNumber: NUMBER, amount: d('40'), currency: 'USD', receivedOn: '2025-02-10' },
      '2025-02-10',
    );

    await runOn(s, '2025-03-03');

    expect([...s.provider.charges.values()].map((c) => c.request.amount.toFixed(2))).toEqual(['60.00']);
    expect(await balance(s)).toBe('0.00');
  });
});

describe('runAutoPay: exactly once', () => {
  it('run twice (and its messages redelivered): one charge, one payment, one email', async () => {
    const s = await setup();
    let calls = 0;
    const counting: PaymentProvider = {
      ...s.provider,
      createCheckout: (r) => s.provider.createCheckout(r),
      parseWebhook: (p, h) => s.provider.parseWebhook(p, h),
      chargeSavedMethod: (r) => {
        calls += 1;
        return s.provider.chargeSavedMethod(r);
      },
    };
    const deps = { ...s.deps, payments: { ...s.deps.payments!, provider: counting } };

    const first = await runAutoPay(deps, { today: '2025-03-03' });
    const again = await runAutoPay(deps, { today: '2025-03-03' });
    const nextDay = await runAutoPay(deps, { today: '2025-03-04' });
    await drain(s);
    s.deps.workQueue.redeliver();
    await drain(s);

    expect([first.succeeded, again.succeeded, nextDay.succeeded]).toEqual([1, 0, 0]);
    expect(calls).toBe(1);
    expect(await payments(s)).toHaveLength(1);
    expect(await autoPayEmails(s)).toHaveLength(1);
    expect(s.deps.mailer.sent).toHaveLength(1);
  });

  /** A run that dies at `point`, then a run that completes: the same one charge, payment and email. */
  async function crashAndRerun(point: 'charge' | 'email' | 'apply' | 'record'): Promise<Setup> {
    const s = await setup();
    const crash = new Error(`died after the ${point}`);
    const dying: PaymentProvider = {
      createCheckout: (r) => s.provider.createCheckout(r),
      parseWebhook: (p, h) => s.provider.parseWebhook(p, h),
      chargeSavedMethod: async (r) => {
        const result = await s.provider.chargeSavedMethod(r);
        if (point === 'charge') throw crash;
        return result;
      },
    };
    const deps: AutoPayDeps = {
      ...s.deps,
      payments: { ...s.deps.payments!, provider: dying },
      workQueue: {
        send: async (messages) => {
          await s.deps.workQueue.send(messages);
          if (point === 'email') throw crash;
        },
      },
      ledger: Object.assign(Object.create(s.deps.ledger) as typeof s.deps.ledger, {
        recordAutoPay:
          point === 'record'
            ? (attempt: Parameters<typeof s.deps.ledger.recordAutoPay>[0]) => s.deps.ledger.recordAutoPay(attempt)
            : () => Promise.reject(point === 'apply' ? crash : new Error('unexpected')),
        // Dies after the attempt is recorded, before its money is stored.
        ...(point === 'record' ? { addPayments: () => Promise.reject(crash) } : {}),
      }),
    };
    await expect(runAutoPay(deps, { today: '2025-03-03' })).rejects.toThrow(
      `${NUMBER}: Error: died after the ${point}`,
    );
    await runOn(s, '2025-03-03');
    return s;
  }

  it.each(['charge', 'email', 'apply', 'record'] as const)(
    'a run that died after the %s re-runs to one of each',
    async (point) => {
      const s = await crashAndRerun(point);
      expect((await s.deps.ledger.listAutoPays()).map((a) => [a.invoiceNumber, a.status])).toEqual([
        [NUMBER, 'succeeded'],
      ]);

      expect(s.provider.charges.size).toBe(1);
      expect((await payments(s)).map((p) => p.paymentId)).toEqual(['pi_test_1']);
      expect(await balance(s)).toBe('0.00');
      expect(await autoPayEmails(s)).toHaveLength(1);
      expect(s.deps.mailer.sent).toHaveLength(1);
    },
  );
});

describe('runAutoPay: a provider error on one invoice', () => {
  it('does not hold up the others: they are charged, the run fails at the end, a re-run charges the rest', async () => {
    const s = await setup();
    const second = issuedInvoice({ number: 'INV-2025-000002', clientId: 'C002', period: '2025-01' });
    const reference = await s.deps.ledger.loadReferenceData();
    await s.deps.ledger.saveReferenceData({
      ...reference!,
      clients: [...reference!.clients, client({ clientId: 'C002', autoPay: true, paymentCustomerId: 'cus_2' })],
    });
    await s.deps.ledger.issueNumberedInvoice(second, []);
    const outage: PaymentProvider = {
      createCheckout: (r) => s.provider.createCheckout(r),
      parseWebhook: (p, h) => s.provider.parseWebhook(p, h),
      chargeSavedMethod: (r) =>
        r.invoiceNumber === NUMBER
          ? Promise.reject(new Error('503 from the provider'))
          : s.provider.chargeSavedMethod(r),
    };

    const failed = runAutoPay(
      { ...s.deps, payments: { ...s.deps.payments!, provider: outage } },
      { today: '2025-03-03' },
    );
    await expect(failed).rejects.toBeInstanceOf(AutoPayError);
    await expect(failed).rejects.toThrow('INV-2025-000001: Error: 503 from the provider');
    expect((await s.deps.ledger.listAutoPays()).map((a) => [a.invoiceNumber, a.status])).toEqual([
      ['INV-2025-000002', 'succeeded'],
    ]);

    expect((await runOn(s, '2025-03-03')).succeeded).toBe(1);
    expect((await s.deps.ledger.listAutoPays()).map((a) => a.invoiceNumber)).toEqual([NUMBER, 'INV-2025-000002']);
  });
});

describe('runAutoPay: when it does not charge', () => {
  it('a declined card: a payment_failed discrepancy, the invoice still open and dunned, never charged again', async () => {
    const s = await setup({ client: { paymentCustomerId: 'cus_declined' } });

    const result = await runOn(s, '2025-03-03');
    await runOn(s, '2025-03-04');
    const dunning = await runDunning(s.deps, { today: '2025-03-10' });

    expect(result.failed).toBe(1);
    expect(s.provider.charges.size).toBe(1);
    expect(await balance(s)).toBe('100.00');
    expect(await s.deps.ledger.getAutoPay(NUMBER)).toMatchObject({
      status: 'failed',
      reason: 'Your card was declined.',
    });
    const [discrepancy, ...others] = await s.deps.ledger.listDiscrepancies();
    expect(others).toEqual([]);
    expect(discrepancy).toMatchObject({
      type: 'payment_failed',
      clientId: 'C001',
      currency: 'USD',
      openedOn: '2025-03-03',
      detail: 'Auto-pay of USD 100.00 for INV-2025-000001 declined: Your card was declined.',
    });
    expect(discrepancy?.amountAtStake?.toFixed(2)).toBe('100.00');
    expect(dunning.emails).toBe(1);
    expect(await autoPayEmails(s)).toEqual([]);
  });

  it('a balance over the auto-pay cap: skipped with a discrepancy, nothing charged', async () => {
    const s = await setup({ client: { autoPayCap: d('50') } });

    const result = await runOn(s, '2025-03-03');

    expect(result.skipped).toBe(1);
    expect(s.provider.charges.size).toBe(0);
    expect(await s.deps.ledger.getAutoPay(NUMBER)).toMatchObject({
      status: 'skipped',
      reason: 'the balance USD 100.00 is over the auto-pay cap USD 50.00',
    });
    expect((await s.deps.ledger.listDiscrepancies()).map((x) => [x.type, x.detail])).toEqual([
      [
        'payment_failed',
        'Auto-pay of USD 100.00 for INV-2025-000001 not charged: the balance USD 100.00 is over the auto-pay cap USD 50.00',
      ],
    ]);
    expect(await balance(s)).toBe('100.00');
  });

  it('a bank debit still processing: recorded, no payment yet (the webhook brings it), not charged again', async () => {
    const s = await setup({ client: { paymentCustomerId: 'cus_ach_1' } });

    expect((await runOn(s, '2025-03-03')).processing).toBe(1);
    await runOn(s, '2025-03-04');

    expect(s.provider.charges.size).toBe(1);
    expect(await payments(s)).toEqual([]);
    expect(await s.deps.ledger.pendingPayments('2025-12-31')).toEqual([]);
    expect(await s.deps.ledger.getAutoPay(NUMBER)).toMatchObject({
      status: 'processing',
      methodDetail: 'US bank account •••• 6789',
    });
    expect(await autoPayEmails(s)).toEqual([]);
  });

  it('a disputed invoice, a paid one, a client without auto-pay: nothing charged', async () => {
    const disputed = await setup();
    await disputed.deps.ledger.disputeInvoice(NUMBER, '2025-02-20', 'wrong seats');
    const paid = await setup();
    await applyPaymentNow(
      paid.deps,
      { paymentId: 'P1', invoiceNumber: NUMBER, amount: d('100'), currency: 'USD', receivedOn: '2025-02-10' },
      '2025-02-10',
    );
    const manual = await setup({ client: { autoPay: false } });

    for (const s of [disputed, paid, manual]) {
      expect(await runOn(s, '2025-03-03')).toEqual({ succeeded: 0, processing: 0, failed: 0, skipped: 0 });
      expect(s.provider.charges.size).toBe(0);
      expect(await s.deps.ledger.listAutoPays()).toEqual([]);
    }
  });

  it('payments off in trueup.json, or no provider wired: does nothing', async () => {
    for (const s of [await setup({ payments: null }), await setup({ wired: false })]) {
      expect((await runOn(s, '2025-03-03')).succeeded).toBe(0);
      expect(s.provider.charges.size).toBe(0);
      expect(await balance(s)).toBe('100.00');
    }
  });
});

describe('autoPayEmail', () => {
  it('names the card or account and the amount, escaped in HTML', () => {
    const email = autoPayEmail({
      settings: settings(),
      client: client({ name: 'Smith & Sons' }),
      date: '2025-03-03',
      invoice: { number: NUMBER, dueDate: '2025-03-03' },
      amount: d('1234.5'),
      currency: 'USD',
      methodDetail: 'Visa •••• 4242',
      paymentId: 'pi_1',
    });
    expect(email.subject).toBe('Auto-pay: USD 1234.50 charged for invoice INV-2025-000001 — Acme IT');
    expect(email.text).toContain('Dear Smith & Sons,');
    expect(email.text).toContain('we charged USD 1,234.50 to Visa •••• 4242 on Mar 3, 2025');
    expect(email.html).toContain('Dear Smith &amp; Sons,');
    expect(email.html).toContain('Visa •••• 4242');
    expect(email.attachments).toEqual([]);
  });
});
