/**
 * Recorded Stripe events in their real shapes (test/fixtures/stripe, from Stripe's published
 * fixtures) mapped to TrueUp's ProviderEvent: each handled type, with exact Dec amounts in USD,
 * JPY and KWD. Lookups come from the recorded objects, so nothing listens or connects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../../functions/adapters/local/stripe/local-stripe.js';
import { toProviderEvent, type StripeLookups } from '../../../functions/adapters/payments/stripe-events.js';
import { createStripeProvider } from '../../../functions/adapters/payments/stripe-provider.js';
import type { ProviderEvent } from '../../../functions/app/ports.js';
import { decimalText, type Dec } from '../../../functions/domain/money.js';

const DIR = join(import.meta.dirname, '../../fixtures/stripe');
const raw = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const recorded = <T>(name: string): T => JSON.parse(raw(name)) as T;

const intents: Record<string, string> = {
  pi_3QUSD0001: 'payment_intent.usd.json',
  pi_3QACH0001: 'payment_intent.ach-failed.json',
};
const charges: Record<string, string> = { ch_3QUSD0001: 'charge.usd.json', ch_3QJPY0001: 'charge.jpy.json' };
/** The USD card payment's, and the JPY payment's settled in a USD account (the fee in USD). */
const balanceTransactions: Record<string, string> = {
  txn_3QUSD0001: 'balance_transaction.usd.json',
  txn_3QJPY0001: 'balance_transaction.jpy-in-usd.json',
};
/** `expand: ['balance_transaction']` on a recorded charge, as the adapter asks for it. */
const withBalanceTransaction = (charge: Stripe.Charge): Stripe.Charge => {
  const id = charge.balance_transaction;
  const file = typeof id === 'string' ? balanceTransactions[id] : undefined;
  return file ? { ...charge, balance_transaction: recorded<Stripe.BalanceTransaction>(file) } : charge;
};
const calls: string[] = [];
const lookups: StripeLookups = {
  retrieveIntent: async (id) => {
    calls.push(`intent ${id}`);
    const intent = recorded<Stripe.PaymentIntent>(intents[id] ?? `missing ${id}`);
    const charge = intent.latest_charge;
    return typeof charge === 'object' && charge !== null
      ? { ...intent, latest_charge: withBalanceTransaction(charge) }
      : intent;
  },
  retrieveCharge: async (id) => {
    calls.push(`charge ${id}`);
    return withBalanceTransaction(recorded<Stripe.Charge>(charges[id] ?? `missing ${id}`));
  },
  listRefunds: async (id) => {
    throw new Error(`refunds.list(${id}) not expected: the charge carries its refunds`);
  },
};

const parse = (name: string): Promise<ProviderEvent> => toProviderEvent(recorded<Stripe.Event>(name), lookups);
const text = (value: Dec | undefined): string | undefined => (value === undefined ? undefined : decimalText(value));

describe('recorded Stripe events', () => {
  it('checkout.session.completed (paid): the PaymentIntent is the payment, the surcharge apart', async () => {
    const event = await parse('evt.checkout.session.completed.paid.json');
    if (event.kind !== 'payment_succeeded') throw new Error(event.kind);
    expect(event).toMatchObject({ id: 'evt_1QUSD0001', type: 'checkout.session.completed', created: 1767268800 });
    expect({
      ...event.payment,
      amount: text(event.payment.amount),
      surcharge: text(event.payment.surcharge),
      fee: { ...event.payment.fee, amount: text(event.payment.fee?.amount) },
    }).toEqual({
      providerReference: 'pi_3QUSD0001',
      invoiceNumber: 'INV-2026-000001',
      amount: '1250',
      surcharge: '37.5',
      currency: 'USD',
      method: 'card',
      methodDetail: 'Visa •••• 4242',
      fee: { amount: '37.64', currency: 'USD' }, // the balance transaction's `fee`, 3764 cents
    });
  });

  it('checkout.session.completed (unpaid bank debit) is only noted', async () => {
    expect(await parse('evt.checkout.session.completed.unpaid.json')).toEqual({
      kind: 'noted',
      id: 'evt_1QACH0001',
      type: 'checkout.session.completed',
      created: 1767268800,
      invoiceNumber: 'INV-2026-000003',
    });
  });

  it("checkout.session.async_payment_failed carries the bank's reason", async () => {
    const event = await parse('evt.checkout.session.async_payment_failed.json');
    if (event.kind !== 'payment_failed') throw new Error(event.kind);
    expect(event.reason).toBe("The customer's bank account could not be debited: insufficient funds.");
    expect(event.payment).toMatchObject({
      providerReference: 'pi_3QACH0001',
      invoiceNumber: 'INV-2026-000003',
      method: 'us_bank_account',
    });
    expect(text(event.payment.amount)).toBe('500');
  });

  it('payment_intent.succeeded in JPY: 980 minor units are 980 yen', async () => {
    calls.length = 0;
    const event = await parse('evt.payment_intent.succeeded.jpy.json');
    if (event.kind !== 'payment_succeeded') throw new Error(event.kind);
    expect(text(event.payment.amount)).toBe('980');
    expect(event.payment).toMatchObject({
      currency: 'JPY',
      invoiceNumber: 'INV-2026-000004',
      methodDetail: 'Visa •••• 4242',
    });
    expect(calls).toEqual(['charge ch_3QJPY0001']);
    // Settled in the account's USD: the fee is in USD, not in the payment's JPY.
    expect(
      event.payment.fee && { amount: text(event.payment.fee.amount), currency: event.payment.fee.currency },
    ).toEqual({
      amount: '0.66',
      currency: 'USD',
    });
  });

  it('charge.updated: the fee of a succeeded charge, read from its balance transaction', async () => {
    calls.length = 0;
    const event = await parse('evt.charge.updated.usd.json');
    if (event.kind !== 'fee_reported') throw new Error(event.kind);
    expect({ ...event, fee: { ...event.fee, amount: text(event.fee.amount) } }).toEqual({
      kind: 'fee_reported',
      id: 'evt_1QUSD0003',
      type: 'charge.updated',
      created: 1767268860,
      paymentReference: 'pi_3QUSD0001',
      invoiceNumber: 'INV-2026-000001',
      fee: { amount: '37.64', currency: 'USD' },
      chargeCreated: 1234567890,
    });
    expect(calls).toEqual(['charge ch_3QUSD0001']); // the event carries the balance transaction's id only
  });

  it('charge.updated without a balance transaction (or not succeeded) is only noted', async () => {
    const event = recorded<Stripe.Event>('evt.charge.updated.usd.json');
    const charge = event.data.object as Stripe.Charge;
    const noted = { kind: 'noted', id: 'evt_1QUSD0003', invoiceNumber: 'INV-2026-000001' };
    // Spread as a plain record: spreading Stripe.Event itself makes tsc expand its union of every
    // event type, which took the type-check from seconds to many minutes.
    const plain = event as unknown as { readonly data: Record<string, unknown> };
    const variant = (change: Partial<Stripe.Charge>) =>
      toProviderEvent(
        { ...plain, data: { ...plain.data, object: { ...charge, ...change } } } as unknown as Stripe.Event,
        lookups,
      );
    await expect(variant({ balance_transaction: null })).resolves.toMatchObject(noted);
    await expect(variant({ status: 'pending' })).resolves.toMatchObject(noted);
  });

  it('payment_intent.payment_failed: the decline message and the amount asked', async () => {
    const event = await parse('evt.payment_intent.payment_failed.json');
    if (event.kind !== 'payment_failed') throw new Error(event.kind);
    expect(event.reason).toBe('Your card has insufficient funds.');
    expect(text(event.payment.amount)).toBe('99.95');
    expect(event.payment.invoiceNumber).toBe('INV-2026-000005');
  });

  it('charge.refunded in KWD: succeeded refunds only, three decimals exact', async () => {
    const event = await parse('evt.charge.refunded.kwd.json');
    if (event.kind !== 'refunded') throw new Error(event.kind);
    expect(event.refunds.map((r) => ({ ...r, amount: text(r.amount) }))).toEqual([
      {
        refundId: 're_3QKWD0001',
        paymentReference: 'pi_3QKWD0001',
        invoiceNumber: 'INV-2026-000006',
        amount: '1.234',
        currency: 'KWD',
      },
    ]);
  });

  it('charge.dispute.created: the disputed payment read from its PaymentIntent', async () => {
    const event = await parse('evt.charge.dispute.created.json');
    if (event.kind !== 'disputed') throw new Error(event.kind);
    expect(event).toMatchObject({ disputeId: 'du_1QUSD0001', reason: 'product_not_received' });
    expect(event.payment).toMatchObject({ providerReference: 'pi_3QUSD0001', invoiceNumber: 'INV-2026-000001' });
    expect(text(event.payment.amount)).toBe('1250');
  });

  it('a recorded event of another type is unsupported', async () => {
    expect(await parse('evt.plan.created.json')).toMatchObject({ kind: 'unsupported', type: 'plan.created' });
  });

  it("the SDK verifies and reads a recorded delivery as sent (signed in Stripe's scheme)", async () => {
    const provider = createStripeProvider({
      apiKey: 'sk_test_unused',
      webhookSecret: 'whsec_fixture',
      apiBase: 'http://127.0.0.1:9',
      now: () => 1_767_268_860_000,
    });
    const payload = raw('evt.checkout.session.completed.unpaid.json');
    const header = signatureHeader(payload, 'whsec_fixture', 1_767_268_800);
    await expect(provider.parseWebhook(payload, header)).resolves.toMatchObject({ kind: 'noted', id: 'evt_1QACH0001' });
    await expect(
      provider.parseWebhook(payload, signatureHeader(payload, 'whsec_fixture', 1_767_268_800 - 301)),
    ).rejects.toThrow(/tolerance/i);
  });
});
