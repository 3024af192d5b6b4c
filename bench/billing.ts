/**
 * Billing benchmark (child of bench/all.ts): on the embedded stand-in, generates the
 * reference data and a period of normalized usage, then times `runBilling` (reconcile the
 * period, plan every invoice, reserve its numbers, fan out one issue message each) and the
 * invoice workers' handling of those messages (issue the invoice with its reserved number,
 * render JSON/HTML/PDF, store, email via the local SES). DynamoDB calls are
 * counted by an SDK middleware. When delivering every invoice would overrun the time budget,
 * delivery is measured on the first invoices only (a sample) and extrapolated.
 *
 * Prints `bench billing …`, `bench billing_delivery …` (the DynamoDB and S3 calls per invoice),
 * `bench billing_discrepancies …` and a `bench billing_meter …` line with the call counts the
 * cost model (docs/cost-model.md) uses.
 */
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { runBilling } from '../functions/app/run-billing.js';
import { handleWorkMessage } from '../functions/app/work-messages.js';
import { storeDiscrepancy } from '../functions/app/store-discrepancy.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../functions/app/messages.js';
import { startLocalRuntime } from '../functions/local-runner/local-runtime.js';
import { benchScale, line, Meter, note, rssSampler, scaled, seconds } from './common.js';
import { generateReference, LINES_PER_CLIENT, writeUsage } from './generate.js';

const scale = benchScale();
const CLIENTS = scaled(5000, scale, 10);
const USAGE_ROWS = scaled(1_000_000, scale, 100);
/** Wall-clock budget for delivery; past it the rest of the queue is left and the sample extrapolated. */
const DELIVERY_BUDGET_S = Number(process.env.BENCH_DELIVERY_BUDGET_S ?? 120 * scale);
const PERIOD = '2026-01';
const TODAY = '2026-02-01';

const rss = rssSampler();
const meter = new Meter();
const runtime = await startLocalRuntime({ onClient: meter.onClient });
try {
  const { deps } = runtime;
  let t = performance.now();
  const reference = generateReference(CLIENTS);
  await deps.ledger.saveReferenceData(reference);
  const rows = await writeUsage(deps, reference, PERIOD, USAGE_ROWS);
  note(
    `billing: generated ${CLIENTS} clients, ${reference.agreements.length} lines, ${rows} usage rows in ${seconds(t)} s`,
  );

  // ---- the billing run: reconcile, plan, reserve numbers, fan out -------------------------
  meter.reset();
  t = performance.now();
  const result = await runBilling(deps, { today: TODAY });
  const billingSeconds = seconds(t);
  // The reconciliation is computed and stored when the run first sends to SQS (its discrepancies).
  const reconcileSeconds = Number(
    (((meter.firstAt.get('sqs:SendMessageBatch') ?? performance.now()) - t) / 1000).toFixed(2),
  );
  const ddbBilling = meter.count('dynamodb');
  const billingUnits = {
    wru: meter.wru,
    rru: meter.rru,
    sqs: meter.sqsBilledRequests,
    s3Put: meter.count('s3', 'PutObject'),
    s3Get: meter.count('s3', 'GetObject') + meter.count('s3', 'ListObjectsV2'),
  };
  const invoices = result.planned.length;
  note(`billing: reconciliation (reference load, one pass over the usage, store) took ${reconcileSeconds} s`);
  note(
    `billing: runBilling planned ${invoices} invoices, ${result.reconciliation.metrics.pairs} pairs, ${result.reconciliation.metrics.discrepancies} discrepancies in ${billingSeconds} s`,
  );
  note(`billing: runBilling calls ${JSON.stringify(meter.timings())}`);

  // ---- invoice workers: issue, render, store, email (sampled when too slow) ----------------
  meter.reset();
  t = performance.now();
  let delivered = 0;
  const sqs = runtime.clients.sqs;
  delivery: for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: runtime.queues.work,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      await handleWorkMessage(deps, WorkMessageSchema.parse(JSON.parse(message.Body ?? '{}')));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: runtime.queues.work, ReceiptHandle: message.ReceiptHandle }));
      delivered += 1;
      if (delivered % 100 === 0) note(`  delivered ${delivered}/${invoices} (${seconds(t)} s)`);
      if ((performance.now() - t) / 1000 > DELIVERY_BUDGET_S && delivered < invoices) break delivery;
    }
  }
  const deliverySeconds = seconds(t);
  const perInvoice = delivered > 0 ? deliverySeconds / delivered : 0;
  const sampled = delivered < invoices;
  const ddbDelivery = meter.count('dynamodb');
  const deliveryUnits = {
    wru: meter.wru,
    rru: meter.rru,
    sqs: meter.sqsBilledRequests,
    s3Put: meter.count('s3', 'PutObject'),
    s3PutBytes: meter.s3PutBytes,
    s3Get: meter.count('s3', 'GetObject'),
    s3Calls: meter.count('s3'),
    ddbGets: meter.count('dynamodb', 'GetItem'),
    sesRecipients: meter.sesRecipients,
    sesBytes: meter.sesBytes,
  };
  note(
    `billing: delivered ${delivered} of ${invoices} invoices in ${deliverySeconds} s; calls ${JSON.stringify(meter.timings())}`,
  );

  // ---- discrepancies: the discrepancy worker stores each once --------------------------
  meter.reset();
  t = performance.now();
  const stored = await runtime.drain(runtime.queues.discrepancies, DiscrepancyMessageSchema, async (message) => {
    await storeDiscrepancy(deps, message);
  });
  const discrepancySeconds = seconds(t);
  const discrepancyUnits = {
    ddb: meter.count('dynamodb'),
    wru: meter.wru,
    rru: meter.rru,
    sqs: meter.sqsBilledRequests,
  };

  const totalSeconds = sampled ? billingSeconds : Number((billingSeconds + deliverySeconds).toFixed(2));
  line('billing', {
    clients: CLIENTS,
    lines: reference.agreements.length,
    usage_rows: rows,
    seconds: totalSeconds,
    ddb_calls_per_client: (ddbBilling / CLIENTS).toFixed(2),
    peak_rss_mb: rss.peakMb(),
    invoices,
    issue_seconds: billingSeconds,
    reconcile_seconds: reconcileSeconds,
    notes: sampled
      ? `seconds=billing_run_only(reconcile+plan+fan-out);delivery_sampled_${delivered}_of_${invoices}_see_billing_delivery;projected_total_seconds=${(billingSeconds + perInvoice * invoices).toFixed(0)};rss_excludes_DynamoDB_Local_JVM`
      : 'seconds=billing_run+issue_and_delivery_of_every_invoice;rss_excludes_DynamoDB_Local_JVM',
  });
  line('billing_delivery', {
    sample: delivered,
    seconds_per_invoice: perInvoice.toFixed(3),
    ddb_calls_per_invoice: (ddbDelivery / Math.max(1, delivered)).toFixed(2),
    s3_puts_per_invoice: (deliveryUnits.s3Put / Math.max(1, delivered)).toFixed(2),
    s3_gets_per_invoice: (deliveryUnits.s3Get / Math.max(1, delivered)).toFixed(2),
    projected_seconds_all: (perInvoice * invoices).toFixed(0),
    // Every S3 request (PUT, GET, HEAD, LIST, COPY …) and the DynamoDB GetItem calls, per invoice.
    s3_calls_per_invoice: (deliveryUnits.s3Calls / Math.max(1, delivered)).toFixed(2),
    ddb_gets_per_invoice: (deliveryUnits.ddbGets / Math.max(1, delivered)).toFixed(2),
  });
  line('billing_discrepancies', { stored, seconds: discrepancySeconds, ddb_calls: discrepancyUnits.ddb });
  // The raw figures behind docs/cost-model.md (per run for billing, per invoice for delivery).
  line('billing_meter', {
    pairs: result.reconciliation.metrics.pairs,
    lines_per_client: LINES_PER_CLIENT,
    run_ddb_calls: ddbBilling,
    run_wru: billingUnits.wru.toFixed(0),
    run_rru: billingUnits.rru.toFixed(1),
    run_sqs_requests: billingUnits.sqs,
    run_s3_puts: billingUnits.s3Put,
    run_s3_gets: billingUnits.s3Get,
    inv_wru: (deliveryUnits.wru / Math.max(1, delivered)).toFixed(1),
    inv_rru: (deliveryUnits.rru / Math.max(1, delivered)).toFixed(1),
    inv_s3_put_kb: (deliveryUnits.s3PutBytes / 1024 / Math.max(1, delivered)).toFixed(1),
    inv_ses_recipients: (deliveryUnits.sesRecipients / Math.max(1, delivered)).toFixed(2),
    inv_ses_kb: (deliveryUnits.sesBytes / 1024 / Math.max(1, delivered)).toFixed(1),
    disc_wru: (discrepancyUnits.wru / Math.max(1, stored)).toFixed(2),
    disc_sqs_requests: discrepancyUnits.sqs,
  });
} finally {
  rss.stop();
  await runtime.stop();
}
