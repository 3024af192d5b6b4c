/**
 * The cost model of docs/cost-model.md, computed from the `bench …` lines of a full run: the
 * measured call counts, capacity units and seconds per client / invoice / email, scaled to
 * 100, 1,000 and 10,000 clients, priced at the us-east-1 list prices below (assumptions;
 * free tiers ignored). `npm run bench` prints the table on stderr after its summary.
 */

/** us-east-1 list prices assumed (USD), checked against the public price pages; not a quote. */
export const PRICES = {
  lambdaGbSecond: 0.0000166667, // x86; arm64 is 0.0000133334
  lambdaRequest: 0.2 / 1e6,
  ddbWriteUnit: 0.625 / 1e6, // on-demand write request unit
  ddbReadUnit: 0.125 / 1e6, // on-demand read request unit
  sqsRequest: 0.4 / 1e6, // standard queue, per 64 KB chunk
  sesEmail: 0.1 / 1000, // per recipient
  sesAttachmentGb: 0.12,
  s3Put: 0.005 / 1000, // PUT, COPY, POST, LIST
  s3Get: 0.0004 / 1000,
  s3StorageGbMonth: 0.023,
  schedulerInvocation: 1 / 1e6,
} as const;

/** Assumptions that are not measured. */
export const ASSUMED = {
  usageRowsPerClient: 200,
  dunningEmailsPerClient: 1.5, // per period: reminder for most, due/overdue for the late ones
  openInvoicesPerClient: 1.5, // average open invoices the daily dunning run lists
  memoryGb: { ingest: 1, billing: 1, worker: 1, discrepancy: 0.5, dunning: 0.5 },
  /** Seconds of a delivery that do not depend on the client count (render, store, email): measured at 100 clients. */
  deliveryBaseSeconds: 0.13,
  sqsRequestsPerMessage: 0.3, // batch send + Lambda's batch receive + batch delete, 10 a batch
  idlePollRequestsPerQueueMonth: 5 * 3 * 60 * 24 * 30, // Lambda's 5 long-pollers, 20 s waits
  queues: 2,
  schedulerInvocationsPerMonth: 1 + 30 + 5 + 30, // billing, dunning, aging, one pull source
} as const;

type Fields = Record<string, string>;

function fields(line: string | undefined): Fields {
  return Object.fromEntries(
    (line ?? '')
      .split(' ')
      .slice(2)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

export interface PeriodCost {
  readonly clients: number;
  readonly lambda: number;
  readonly dynamodb: number;
  readonly sqs: number;
  readonly ses: number;
  readonly s3: number;
  readonly scheduler: number;
  readonly total: number;
  /** DynamoDB with the reference-data cache (hot spot 2): delivery reads ~2 units instead of a reload. */
  readonly dynamodbWithCache: number;
  /** Lambda with the reference cache: deliveries at the base seconds. */
  readonly lambdaWithCache: number;
}

export function periodCost(lines: readonly string[], clients: number): PeriodCost {
  const get = (name: string): Fields => fields(lines.find((l) => l.startsWith(`bench ${name} `)));
  const n = (f: Fields, k: string): number => Number(f[k] ?? 0);
  const ingest = get('ingest');
  const billing = get('billing');
  const meter = get('billing_meter');
  const delivery = get('billing_delivery');
  const disc = get('billing_discrepancies');
  const dun = get('dunning');
  const n0 = n(billing, 'clients') || 1;
  const k = clients / n0; // run-level figures scale with clients
  const invoices = clients * (n(billing, 'invoices') / n0);
  const discrepancies = n(disc, 'stored') * k;
  const emails = clients * ASSUMED.dunningEmailsPerClient;
  const dunEmails = n(dun, 'emails') || 1;

  const gbS = (seconds: number, gb: number): number => seconds * gb;
  const lambdaGbS =
    gbS((n(ingest, 'seconds') * clients * ASSUMED.usageRowsPerClient) / n(ingest, 'rows'), ASSUMED.memoryGb.ingest) +
    gbS(n(billing, 'issue_seconds') * k, ASSUMED.memoryGb.billing) +
    // The rest of a delivery's seconds is the reference reload, which grows with the clients.
    gbS(
      (ASSUMED.deliveryBaseSeconds +
        Math.max(0, n(delivery, 'seconds_per_invoice') - ASSUMED.deliveryBaseSeconds) * k) *
        invoices,
      ASSUMED.memoryGb.worker,
    ) +
    gbS((n(disc, 'seconds') / Math.max(1, n(disc, 'stored'))) * discrepancies, ASSUMED.memoryGb.discrepancy) +
    gbS(
      (30 * n(dun, 'list_seconds') * (clients * ASSUMED.openInvoicesPerClient)) / n(dun, 'open_invoices') +
        ((n(dun, 'seconds') - n(dun, 'list_seconds')) / dunEmails) * emails,
      ASSUMED.memoryGb.dunning,
    );
  const lambdaRequests = 1 + invoices / 10 + discrepancies / 10 + 30 + 5 + 10;
  const lambda = lambdaGbS * PRICES.lambdaGbSecond + lambdaRequests * PRICES.lambdaRequest;
  const reloadGbS =
    Math.max(0, n(delivery, 'seconds_per_invoice') - ASSUMED.deliveryBaseSeconds) *
    k *
    invoices *
    ASSUMED.memoryGb.worker;
  const lambdaWithCache = lambda - reloadGbS * PRICES.lambdaGbSecond;

  const dunListRru = n(dun, 'list_rru') / n(dun, 'open_invoices');
  const dunEmailRru = (n(dun, 'rru') - n(dun, 'list_rru')) / dunEmails;
  const wru =
    n(meter, 'run_wru') * k +
    n(meter, 'inv_wru') * invoices +
    n(meter, 'disc_wru') * discrepancies +
    (n(dun, 'wru') / dunEmails) * emails;
  const rruCommon =
    n(meter, 'run_rru') * k + 30 * dunListRru * clients * ASSUMED.openInvoicesPerClient + dunEmailRru * emails;
  // Each delivery reloads the reference data: its reads grow with the clients (measured at n0, scaled by k).
  const rruDelivery = n(meter, 'inv_rru') * k * invoices;
  const dynamodb = wru * PRICES.ddbWriteUnit + (rruCommon + rruDelivery) * PRICES.ddbReadUnit;
  const dynamodbWithCache = wru * PRICES.ddbWriteUnit + (rruCommon + 3 * invoices) * PRICES.ddbReadUnit;

  const sqs =
    ((invoices + discrepancies) * ASSUMED.sqsRequestsPerMessage +
      ASSUMED.queues * ASSUMED.idlePollRequestsPerQueueMonth) *
    PRICES.sqsRequest;
  const recipientsPerInvoice = n(meter, 'inv_ses_recipients');
  const ses =
    (invoices * recipientsPerInvoice + emails * (n(dun, 'ses_recipients') / dunEmails)) * PRICES.sesEmail +
    ((invoices * n(meter, 'inv_ses_kb')) / 1048576) * PRICES.sesAttachmentGb;
  const s3 =
    (invoices * n(delivery, 's3_puts_per_invoice') + emails + 10 * 4) * PRICES.s3Put +
    (invoices * n(delivery, 's3_gets_per_invoice') + emails + n(meter, 'run_s3_gets') * k) * PRICES.s3Get +
    ((invoices * n(meter, 'inv_s3_put_kb') + clients * ASSUMED.usageRowsPerClient * 0.35) / 1048576) *
      PRICES.s3StorageGbMonth;
  const scheduler = ASSUMED.schedulerInvocationsPerMonth * PRICES.schedulerInvocation;
  const total = lambda + dynamodb + sqs + ses + s3 + scheduler;
  return { clients, lambda, dynamodb, sqs, ses, s3, scheduler, total, dynamodbWithCache, lambdaWithCache };
}

export function costTable(lines: readonly string[]): string {
  const rows = [100, 1000, 10_000].map((c) => periodCost(lines, c));
  const usd = (v: number): string => (v < 0.01 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`);
  const out = [
    '| clients | Lambda | DynamoDB | SQS | SES | S3 | Scheduler | total | with reference cache: Lambda / DynamoDB / total |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const fixedTotal = r.total - r.lambda - r.dynamodb + r.lambdaWithCache + r.dynamodbWithCache;
    out.push(
      `| ${r.clients.toLocaleString('en-US')} | ${usd(r.lambda)} | ${usd(r.dynamodb)} | ${usd(r.sqs)} | ${usd(r.ses)} | ${usd(r.s3)} | ${usd(r.scheduler)} | **${usd(r.total)}** | ${usd(r.lambdaWithCache)} / ${usd(r.dynamodbWithCache)} / ${usd(fixedTotal)} |`,
    );
  }
  return out.join('\n');
}
