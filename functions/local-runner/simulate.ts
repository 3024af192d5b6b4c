/**
 * `trueup simulate` (docs/contract.md §9): imports a data folder into the embedded AWS stand-in,
 * drops its usage files into the inbox, then drives every job day by day exactly as the
 * EventBridge schedules do in AWS, and writes the outputs the acceptance tests read.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { eachDay, isoWeekday, type IsoDate } from '../domain/dates.js';
import { applyDuePayments, importPayments } from '../app/apply-payments.js';
import { handleWorkMessage } from '../app/work-messages.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../app/messages.js';
import { inboxKey } from '../app/bucket-layout.js';
import { ingestUsageFile } from '../app/ingest-usage-file.js';
import { runBilling } from '../app/run-billing.js';
import { approveDrafts, holdDraft } from '../app/review-drafts.js';
import type { ApprovalRow } from '../domain/reference/approvals.js';
import { runDunning } from '../app/run-dunning.js';
import { scheduledStatements } from '../app/statements.js';
import { runAutoPay } from '../app/auto-pay.js';
import { sendAgingReport, sendReconciliationReport } from '../app/send-reports.js';
import { storeDiscrepancy } from '../app/store-discrepancy.js';
import { invoiceChargeNow } from '../app/charges.js';
import { BooksPublishError, publishBooks } from '../app/publish-books.js';
import type { EmbeddedBooks } from './embedded-books.js';
import type { Charge } from '../domain/billing-types.js';
import { putObjectStream } from '../adapters/aws/s3-blob-store.js';
import { readDataFolder } from '../adapters/local/read-data-folder.js';
import { simulatePortalKey } from '../adapters/local/local-portal.js';
import { formatProblem, formatProblems } from '../domain/reference/index.js';
import { createCollectorDeps } from '../collect/aws-collector.js';
import { pullSources } from '../collect/collect.js';
import { credentialResolver } from '../collect/credentials.js';
import { readSourcesFile, remoteHosts, SourcesConfigError } from '../collect/sources-config.js';
import { localNames, startLocalRuntime, type LocalRuntime } from './local-runtime.js';
import { writeOutputs, type OutputSummary } from './write-outputs.js';
import { AdjustmentError, applyAdjustments } from './apply-adjustments.js';
import type { Adjustment } from '../domain/reference/adjustments.js';
import { checkOutputFolder, discardOutputFolder, finishOutputFolder, startOutputFolder } from './output-folder.js';

export interface SimulateOptions {
  readonly data: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly out: string;
  /** Called once per simulated day, for progress display. */
  readonly onDay?: (day: IsoDate, index: number, total: number) => void;
  /** Keep the runtime running (for --serve); the caller stops it. */
  readonly keepRunning?: boolean;
  /** Pull sources.json sources that talk to hosts outside this machine (`--pull`); without it they are skipped. */
  readonly pull?: boolean;
}

/** What one pull source of the data folder's sources.json delivered. */
export interface SourcePull {
  readonly source: string;
  readonly files: number;
  readonly error?: string;
  /** Why it was not pulled (a host outside this machine, without `--pull`). */
  readonly skipped?: string;
}

export interface SimulateResult extends OutputSummary {
  readonly sources: readonly SourcePull[];
  readonly runtime?: LocalRuntime;
  readonly days: number;
  readonly seconds: number;
  /** Data folder warnings (a repeated payment, a payment after --to), one formatted line each. */
  readonly warnings: readonly string[];
}

export class DataFolderError extends Error {}

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const started = performance.now();
  if (options.from > options.to)
    throw new DataFolderError(`--from ${options.from} is after --to ${options.to}: nothing to simulate.`);
  const folder = await readDataFolder(options.data, { lastDay: options.to });
  if (!folder.ok)
    throw new DataFolderError(`The data folder ${options.data} has problems:\n${formatProblems(folder.problems)}`);
  const { reference, payments, usage, approvals, charges } = folder.value;
  const warnings = folder.warnings.map(formatProblem);
  const guards = { data: options.data };
  await checkOutputFolder(options.out, guards);

  // Getting paid (docs/payments.md): the provider's stand-in dates what it creates on the
  // simulated day (noon UTC), so webhooks and auto-pay charges land on that day.
  let simulatedDay: IsoDate = options.from;
  const now = (): number => Date.parse(`${simulatedDay}T12:00:00Z`);
  // Publishing to the books (docs/accounting.md): the stand-in of the system named, on the same clock.
  const publish = reference.settings.accounting?.publish;
  const runtime = await startLocalRuntime({
    ...(reference.settings.payments ? { payments: { now } } : {}),
    ...(publish ? { books: { system: publish.system, reference, now } } : {}),
    // The client portal (docs/portal.md), only with `portal` in trueup.json: its links signed with
    // the data folder's fixed key, and checked against the simulated day (noon UTC), so a link
    // emailed on a simulated day opens while --serve keeps the portal running after the run.
    ...(reference.settings.portal
      ? { portal: { key: simulatePortalKey(options.data), now: () => new Date(`${simulatedDay}T12:00:00Z`) } }
      : {}),
  });
  let partial: string | undefined;
  try {
    const { deps } = runtime;
    await deps.ledger.saveReferenceData(reference);
    // Keyed and named by the path under usage/ (`2025-01/x.csv`): two files of one name in two
    // subfolders stay apart. Streamed: a file may be larger than memory (or readFile's 2 GiB).
    for (const { name, path } of usage) {
      const key = inboxKey(name);
      await deps.usage.putStream(key, createReadStream(path));
      await ingestUsageFile(deps, { key, name, today: options.from });
    }
    const sources = await pullDataFolderSources(runtime, options.data, options.from, options.pull ?? false);
    await importPayments(deps, payments);
    // charges.csv: stored before day 1, billed by the first invoice on or after their date.
    for (const charge of charges) await deps.ledger.addCharge(charge);
    let invoiceNow = charges.filter((c) => c.invoiceNow);

    const days = [...eachDay(options.from, options.to)];
    for (const [index, day] of days.entries()) {
      options.onDay?.(day, index, days.length);
      simulatedDay = day;
      const due = invoiceNow.filter((c) => c.date <= day); // on its date (or day 1 when dated before)
      invoiceNow = invoiceNow.filter((c) => c.date > day);
      await runDay(runtime, day, reference.settings.reports.agingWeekday, approvals, folder.value.adjustments, due);
    }
    await sendAgingReport(deps, { asOf: options.to, email: false });
    partial = await startOutputFolder(options.out);
    // The inbox link only while the runtime keeps running (--serve): otherwise it would point
    // at a stopped server.
    const inboxUrl = options.keepRunning ? runtime.aws.sesInboxUrl : undefined;
    const summary = await writeOutputs(deps, partial, options.to, reference.settings.msp.name, inboxUrl, payments);
    if (runtime.books) await writeBooksState(runtime.books, partial);
    await finishOutputFolder(partial, options.out, guards);
    partial = undefined;
    const result = {
      ...summary,
      out: options.out,
      sources,
      warnings,
      days: days.length,
      seconds: (performance.now() - started) / 1000,
    };
    if (options.keepRunning) return { ...result, runtime };
    await runtime.stop();
    return result;
  } catch (error) {
    if (partial) await discardOutputFolder(partial);
    await runtime.stop();
    if (error instanceof AdjustmentError)
      throw new DataFolderError(`The data folder ${options.data} has problems:\n${error.message}`);
    throw error;
  }
}

/**
 * The data folder's optional sources.json (docs/sources.md): stored for the billing run's
 * expected feeds, and every enabled pull source pulled once, at the start, beside the usage
 * files (one attempt: a failing source is reported and the run goes on without it).
 */
async function pullDataFolderSources(
  runtime: LocalRuntime,
  data: string,
  today: IsoDate,
  pull: boolean,
): Promise<SourcePull[]> {
  let config;
  try {
    config = await readSourcesFile(data);
  } catch (error) {
    if (error instanceof SourcesConfigError)
      throw new DataFolderError(`The data folder ${data} has problems:\n${error.message}`);
    throw error;
  }
  if (config.sources.length === 0 && config.expectedFeeds.length === 0) return [];
  const { deps, clients } = runtime;
  const names = localNames(runtime.name);
  await seedRemoteBuckets(runtime, join(data, 'remote', 's3'));
  const collector = {
    ...createCollectorDeps({
      dynamodb: clients.dynamodb,
      s3: clients.s3,
      table: names.table,
      usageBucket: names.usageBucket,
      credentials: credentialResolver({ baseDir: resolve(data) }),
      log: deps.log,
      baseDir: resolve(data),
      ingest: async (key) => {
        await ingestUsageFile(deps, { key, today });
      },
    }),
    // On one machine, "another account's bucket" is a bucket on the embedded S3 (unless the source names an endpoint).
    s3Client: (config: S3ClientConfig) =>
      new S3Client(config.endpoint ? config : { ...config, ...runtime.aws.clientConfig('s3') }),
  };
  await collector.state.saveConfig(config);
  // A data folder may come from anyone: without --pull, nothing (and no credential) leaves this machine.
  const enabled = config.sources.filter((s) => s.enabled !== false);
  const skipped = pull
    ? []
    : enabled.flatMap((s) => {
        const hosts = remoteHosts(s);
        return hosts.length
          ? [
              {
                source: s.name,
                files: 0,
                skipped: `talks to ${hosts.join(', ')}, outside this machine; run with --pull to pull it`,
              },
            ]
          : [];
      });
  const chosen = enabled.map((s) => s.name).filter((name) => !skipped.some((k) => k.source === name));
  const pulled =
    chosen.length === 0
      ? []
      : (await pullSources(collector, config, { names: chosen, retry: { attempts: 1 } })).map((r) => ({
          source: r.source,
          files: r.files.length,
          ...(r.ok ? {} : { error: r.failure.error }),
        }));
  const order = (pull: SourcePull): number => config.sources.findIndex((s) => s.name === pull.source);
  return [...pulled, ...skipped].sort((a, b) => order(a) - order(b));
}

/**
 * `DIR/remote/s3/<bucket>/<key>`: objects of other buckets (a distributor's or another
 * account's exports) that `s3` pull sources read, created on the embedded S3.
 */
async function seedRemoteBuckets(runtime: LocalRuntime, root: string): Promise<void> {
  const buckets = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const bucket of buckets.filter((b) => b.isDirectory())) {
    await runtime.clients.s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
    const base = join(root, bucket.name);
    for (const file of (await readdir(base, { recursive: true, withFileTypes: true })).filter((f) => f.isFile())) {
      const path = join(file.parentPath, file.name);
      const key = relative(base, path).split(sep).join('/');
      await putObjectStream(runtime.clients.s3, { Bucket: bucket.name, Key: key }, createReadStream(path));
    }
  }
}

/**
 * One simulated day, in the order docs/contract.md §9 fixes; approvals.csv rows of the day after
 * the billing run; `invoiceNow`: charges.csv rows to invoice on their own invoice this day, after
 * the billing run (docs/charges.md).
 */
export async function runDay(
  runtime: LocalRuntime,
  day: IsoDate,
  agingWeekday: number,
  approvals: readonly ApprovalRow[] = [],
  adjustments: readonly Adjustment[] = [],
  invoiceNow: readonly Charge[] = [],
): Promise<void> {
  const { deps } = runtime;
  await applyDuePayments(deps, { today: day });
  // adjustments.csv: credit notes and voids, after the day's payments and before dunning.
  await applyAdjustments(deps, adjustments, day);
  // Auto-pay (docs/auto-pay.md), before dunning: only when a payment provider is wired (and
  // trueup.json has `payments`, which runAutoPay checks); without them the day is as it was.
  if (deps.payments) await runAutoPay(deps, { today: day });
  // The provider's webhooks of the day (a checkout paid, a bank debit settled, a charge's own
  // events), handled one by one now, so that the run is the same every time.
  await runtime.payments?.flush();
  await runDunning(deps, { today: day });
  // The invoice workers send the day's dunning emails, before the billing run's invoices.
  await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) => handleWorkMessage(deps, message));
  if (day.endsWith('-01')) {
    await runBilling(deps, { today: day });
    await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) => handleWorkMessage(deps, message));
    await runtime.drain(runtime.queues.discrepancies, DiscrepancyMessageSchema, async (message) => {
      await storeDiscrepancy(deps, message);
    });
    await sendReconciliationReport(deps, { today: day });
    await applyApprovals(runtime, day, approvals);
  } else {
    await applyApprovals(runtime, day, approvals);
    // Discrepancies from payments (unapplied money) are stored the same day.
    await runtime.drain(runtime.queues.discrepancies, DiscrepancyMessageSchema, async (message) => {
      await storeDiscrepancy(deps, message);
    });
  }
  if (invoiceNow.length > 0) {
    for (const charge of invoiceNow)
      await invoiceChargeNow(deps, { clientId: charge.clientId, chargeId: charge.chargeId, today: day });
    await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) => handleWorkMessage(deps, message));
  }
  // statements.dayOfMonth (docs/statements.md): after the day's invoices, so that they are on it.
  if (await scheduledStatements(deps, { today: day }))
    await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) => handleWorkMessage(deps, message));
  // The daily publish job (docs/accounting.md), before the aging report that lists what is not in the books.
  if (runtime.books) await publishDay(runtime, day);
  if (isoWeekday(day) === agingWeekday) await sendAgingReport(deps, { asOf: day, email: true });
}

/**
 * One publish run, as the scheduled job's: transient errors leave their documents for the next
 * day's run (as the job's retries would), logged; refusals are recorded and emailed by the run.
 */
async function publishDay(runtime: LocalRuntime, day: IsoDate): Promise<void> {
  try {
    await publishBooks(runtime.deps, { today: day });
  } catch (error) {
    if (!(error instanceof BooksPublishError)) throw error;
    runtime.deps.log.warn('publishing to the books: some documents wait for the next run', { error: error.message });
  }
}

/** `books/<system>.json`: what the stand-in's company holds at the end of the run. */
async function writeBooksState(books: EmbeddedBooks, out: string): Promise<void> {
  await mkdir(join(out, 'books'), { recursive: true });
  await writeFile(join(out, 'books', `${books.system}.json`), JSON.stringify(books.state(), null, 1) + '\n');
}

/** Who approved, in the drafts' records, when simulate applies approvals.csv. */
const APPROVALS_ACTOR = 'approvals.csv';

/**
 * The approvals.csv rows dated `day` (docs/review.md): per period, its holds first, then its
 * approvals together (`*`: every pending draft; numbers in client_id order), then the invoice
 * workers issue and email them.
 */
async function applyApprovals(runtime: LocalRuntime, day: IsoDate, approvals: readonly ApprovalRow[]): Promise<void> {
  const today = approvals.filter((row) => row.date === day);
  if (today.length === 0) return;
  const { deps } = runtime;
  for (const period of [...new Set(today.map((row) => row.period))].sort()) {
    const rows = today.filter((row) => row.period === period);
    // A row naming a client without a draft (no invoice that period, or approved already) changes nothing.
    const unapproved = async (): Promise<Map<string, string>> =>
      new Map(
        (await deps.ledger.listDrafts(period))
          .filter((d) => d.status !== 'approved')
          .map((d) => [d.clientId, d.status]),
      );
    const before = await unapproved();
    for (const row of rows.filter((r) => r.holdReason !== undefined && before.has(r.clientId)))
      await holdDraft(deps, {
        period,
        clientId: row.clientId,
        reason: row.holdReason ?? '',
        today: day,
        by: APPROVALS_ACTOR,
      });
    const drafts = await unapproved();
    const approving = rows.filter((r) => r.holdReason === undefined);
    const named = approving.filter((r) => r.clientId !== '*' && drafts.has(r.clientId)).map((r) => r.clientId);
    const star = approving.some((r) => r.clientId === '*')
      ? [...drafts].filter(([, status]) => status === 'pending').map(([clientId]) => clientId)
      : [];
    const clientIds = [...new Set([...named, ...star])];
    if (clientIds.length > 0) await approveDrafts(deps, { period, clientIds, today: day, by: APPROVALS_ACTOR });
  }
  await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) => handleWorkMessage(deps, message));
}
