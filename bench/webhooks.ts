/**
 * Webhook benchmark (child of bench/all.ts): `invoices` open invoices seeded in the table, then
 * one signed `payment_intent.succeeded` delivery per invoice through the payments endpoint's
 * path (handleWebhookDelivery: the real Stripe adapter verifies the signature and reads the
 * event, the payment is stored and applied, the event logged), first one at a time, then the
 * same deliveries again (Stripe's redeliveries: each answered `duplicate`), then a second set
 * of deliveries 8 at a time (what a burst after an outage looks like to the endpoint).
 *
 * Invoices are seeded straight into the table in the ledger's item layout, as the dunning
 * benchmark does.
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { invoiceItem } from '../functions/adapters/aws/dynamodb-ledger.js';
import { signatureHeader } from '../functions/adapters/local/stripe/local-stripe.js';
import { eventObject, paymentIntentObject } from '../functions/adapters/local/stripe/stripe-objects.js';
import { METADATA } from '../functions/adapters/payments/stripe-events.js';
import { createStripeProvider, STRIPE_API_VERSION } from '../functions/adapters/payments/stripe-provider.js';
import { handleWebhookDelivery } from '../functions/app/provider-events.js';
import type { Deps } from '../functions/app/deps.js';
import { toMinorUnits } from '../functions/domain/money.js';
import type { Invoice } from '../functions/domain/billing-types.js';
import { localNames, startLocalRuntime } from '../functions/local-runner/local-runtime.js';
import { calculateInvoiceTotals } from './invoice-totals.js';
import { batchWriteAll, benchScale, line, Meter, note, Rng, rssSampler, scaled, seconds } from './common.js';
import { clientId, generateReference } from './generate.js';

const scale = benchScale();
const INVOICES = scaled(2_000, scale, 40);
const CLIENTS = Math.max(10, Math.round(INVOICES / 4));
const SECRET = 'whsec_bench';
const CREATED = Date.parse('2026-06-15T12:00:00Z') / 1000;

const rss = rssSampler();
const meter = new Meter();
const runtime = await startLocalRuntime({ onClient: meter.onClient });
try {
  let t = performance.now();
  const reference = generateReference(CLIENTS);
  await runtime.deps.ledger.saveReferenceData({
    ...reference,
    settings: { ...reference.settings, payments: { provider: 'stripe', methods: ['card'], autoPayOn: 'due_date' } },
  });
  const rng = new Rng('webhooks');
  const invoices: Invoice[] = Array.from({ length: INVOICES }, (_, i) =>
    calculateInvoiceTotals({
      number: `INV-2026-${String(i + 1).padStart(6, '0')}`,
      clientId: clientId(i % CLIENTS),
      period: '2026-05',
      currency: 'USD',
      issueDate: '2026-06-01',
      dueDate: '2026-07-01',
      amounts: [String(rng.int(100, 5000)), String(rng.int(10, 900))],
    }),
  );
  const db = DynamoDBDocumentClient.from(runtime.clients.dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table = localNames().table;
  await batchWriteAll(db, table, invoices.map(invoiceItem), 4);
  await db.send(new PutCommand({ TableName: table, Item: { PK: 'COUNTER', SK: 'INVOICE', value: INVOICES } }));
  note(`webhooks: seeded ${INVOICES} open invoices in ${seconds(t)} s`);

  const deps: Deps = {
    ...runtime.deps,
    payments: {
      provider: createStripeProvider({ apiKey: 'sk_test_bench', webhookSecret: SECRET }),
      endpointUrl: 'http://127.0.0.1:9',
      linkKey: async () => 'bench',
    },
  };
  // Half the invoices are paid one delivery at a time, the other half 8 deliveries at a time.
  const half = Math.floor(INVOICES / 2);
  const serial = invoices.slice(0, half).map((invoice, i) => delivery(invoice, i));
  const burst = invoices.slice(half).map((invoice, i) => delivery(invoice, half + i));

  meter.reset();
  t = performance.now();
  let applied = 0;
  for (const d of serial) if ((await handleWebhookDelivery(deps, d)).outcome === 'applied') applied += 1;
  const serialSeconds = seconds(t);
  const serialCalls = meter.count('dynamodb');

  t = performance.now();
  let duplicates = 0;
  for (const d of serial) if ((await handleWebhookDelivery(deps, d)).outcome === 'duplicate') duplicates += 1;
  const duplicateSeconds = seconds(t);

  t = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < burst.length) {
      const d = burst[next++]!;
      if ((await handleWebhookDelivery(deps, d)).outcome === 'applied') applied += 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const burstSeconds = seconds(t);
  note(`webhooks: ${applied} applied, ${duplicates} redeliveries answered duplicate`);
  if (applied !== INVOICES || duplicates !== half)
    throw new Error(`expected ${INVOICES} applied and ${half} duplicates, got ${applied} and ${duplicates}`);

  line('webhooks', {
    deliveries: INVOICES,
    serial_per_second: (half / serialSeconds).toFixed(1),
    serial_ms_each: ((serialSeconds * 1000) / half).toFixed(1),
    ddb_calls_each: (serialCalls / half).toFixed(1),
    duplicate_ms_each: ((duplicateSeconds * 1000) / half).toFixed(1),
    burst8_per_second: (burst.length / burstSeconds).toFixed(1),
    peak_rss_mb: rss.peakMb(),
  });
} finally {
  rss.stop();
  await runtime.stop();
}

/** A signed `payment_intent.succeeded` for the invoice's whole total, as Stripe posts it. */
function delivery(invoice: Invoice, i: number): { payload: string; signature: string } {
  const id = `pi_bench_${String(i + 1).padStart(6, '0')}`;
  const intent = {
    ...paymentIntentObject({
      id,
      amount: toMinorUnits(invoice.total, invoice.currency),
      currency: invoice.currency.toLowerCase(),
      customer: null,
      description: `Invoice ${invoice.number}`,
      metadata: { [METADATA.invoice]: invoice.number, [METADATA.client]: invoice.clientId },
      methodTypes: ['card'],
      created: CREATED,
    }),
    amount_received: toMinorUnits(invoice.total, invoice.currency),
    status: 'succeeded',
  };
  const payload = JSON.stringify(
    eventObject({
      id: `evt_bench_${String(i + 1).padStart(6, '0')}`,
      type: 'payment_intent.succeeded',
      object: intent,
      created: CREATED,
      apiVersion: STRIPE_API_VERSION,
      idempotencyKey: null,
    }),
  );
  return { payload, signature: signatureHeader(payload, SECRET, Math.floor(Date.now() / 1000)) };
}
