/**
 * Dunning benchmark (child of bench/all.ts): `open_invoices` open invoices (4 per client) with
 * due dates spread over the 70 days around the run date, each already dunned for every step
 * before today, then one daily `runDunning`: list the open invoices, decide, and for each
 * client with an invoice reaching a step today record the steps, fees and email and queue one
 * `deliver_email` message; then the invoice workers' sending of those emails, timed apart
 * (`send_seconds`: on AWS it runs in parallel workers under the SES rate limit).
 *
 * The invoices are seeded straight into the table in the ledger's item layout
 * (functions/adapters/aws/dynamodb-ledger.ts, `invoiceItem`) with batch writes — 25 items a
 * call, 4 calls in flight, unprocessed items retried with backoff — because issuing 20,000
 * invoices one transaction at a time is the billing benchmark's job, not this one's.
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { invoiceItem } from '../functions/adapters/aws/dynamodb-ledger.js';
import { runDunning } from '../functions/app/run-dunning.js';
import { handleWorkMessage } from '../functions/app/work-messages.js';
import { WorkMessageSchema } from '../functions/app/messages.js';
import { calculateInvoiceTotals } from './invoice-totals.js';
import { addDays } from '../functions/domain/dates.js';
import type { Invoice } from '../functions/domain/billing-types.js';
import { localNames, startLocalRuntime } from '../functions/local-runner/local-runtime.js';
import { batchWriteAll, benchScale, line, Meter, note, Rng, rssSampler, scaled, seconds } from './common.js';
import { clientId, generateReference, SETTINGS } from './generate.js';

const scale = benchScale();
const OPEN_INVOICES = scaled(20_000, scale, 40);
const CLIENTS = Math.max(10, Math.round(OPEN_INVOICES / 4));
const TODAY = '2026-06-15';

const rss = rssSampler();
const meter = new Meter();
const runtime = await startLocalRuntime({ onClient: meter.onClient });
try {
  const { deps } = runtime;
  let t = performance.now();
  const reference = generateReference(CLIENTS);
  await deps.ledger.saveReferenceData(reference);
  const db = DynamoDBDocumentClient.from(runtime.clients.dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table = localNames().table;
  const rng = new Rng('dunning');
  const steps = SETTINGS.dunning.steps;
  const items: Record<string, unknown>[] = [];
  let dueToday = 0;
  for (let i = 0; i < OPEN_INVOICES; i++) {
    const daysPastDue = rng.int(-10, 60);
    const dueDate = addDays(TODAY, -daysPastDue);
    const number = `INV-2026-${String(i + 1).padStart(6, '0')}`;
    const invoice: Invoice = calculateInvoiceTotals({
      number,
      clientId: clientId(i % CLIENTS),
      period: dueDate.slice(0, 7),
      currency: 'USD',
      issueDate: addDays(dueDate, -30),
      dueDate,
      amounts: [String(rng.int(100, 5000)), String(rng.int(10, 900))],
    });
    const sent = new Set(steps.filter((s) => s.offsetDays <= daysPastDue - 1).map((s) => s.name));
    if (steps.some((s) => s.offsetDays === daysPastDue)) dueToday += 1;
    items.push({
      ...invoiceItem(invoice),
      ...(sent.size > 0 ? { stepsSent: sent } : {}),
      ...(sent.has('overdue_2') ? { feeCharged: true } : {}),
    });
  }
  await batchWriteAll(db, table, items, 4);
  await db.send(new PutCommand({ TableName: table, Item: { PK: 'COUNTER', SK: 'INVOICE', value: OPEN_INVOICES } }));
  note(
    `dunning: seeded ${CLIENTS} clients and ${OPEN_INVOICES} open invoices (${dueToday} reach a step today) in ${seconds(t)} s`,
  );

  meter.reset();
  t = performance.now();
  const result = await runDunning(deps, { today: TODAY });
  const runSeconds = seconds(t);
  note(
    `dunning: ${result.emails} emails, ${result.lateFees} late fees recorded and queued in ${runSeconds} s; calls ${JSON.stringify(meter.timings())}`,
  );
  const runCalls = meter.count('dynamodb');
  t = performance.now();
  const sent = await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) =>
    handleWorkMessage(deps, message),
  );
  const sendSeconds = seconds(t);
  note(`dunning: the workers sent ${sent} emails in ${sendSeconds} s (one process, serially)`);
  line('dunning', {
    open_invoices: OPEN_INVOICES,
    seconds: runSeconds,
    send_seconds: sendSeconds,
    clients: CLIENTS,
    emails: result.emails,
    late_fees: result.lateFees,
    run_ddb_calls: runCalls,
    list_seconds: ((meter.ms.get('dynamodb:Query') ?? 0) / 1000).toFixed(2),
    list_rru: meter.queryRru.toFixed(1),
    ddb_calls: meter.count('dynamodb'),
    wru: meter.wru.toFixed(0),
    rru: meter.rru.toFixed(1),
    ses_recipients: meter.sesRecipients,
    s3_puts: meter.count('s3', 'PutObject'),
    peak_rss_mb: rss.peakMb(),
  });
} finally {
  rss.stop();
  await runtime.stop();
}
