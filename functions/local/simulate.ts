/**
 * `trueup simulate` (SPEC.md section 9): imports a data folder into the embedded AWS stand-in,
 * drops its usage files into the inbox, then drives every job day by day exactly as the
 * EventBridge schedules do in AWS, and writes the outputs the acceptance tests read.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { eachDay, isoWeekday, type IsoDate } from '../domain/dates.js';
import { applyDuePayments, importPayments } from '../app/apply-payments.js';
import { deliverInvoice } from '../app/deliver-invoice.js';
import { ingestUsageFile } from '../app/ingest-usage-file.js';
import { runBilling } from '../app/run-billing.js';
import { runDunning } from '../app/run-dunning.js';
import { agingReport, sendReconciliationReport } from '../app/send-reports.js';
import { storeDiscrepancy, type DiscrepancyMessage } from '../app/store-discrepancy.js';
import { readDataFolder } from '../adapters/local/read-data-folder.js';
import { formatProblems } from '../domain/reference/index.js';
import { startLocalRuntime, type LocalRuntime } from './local-runtime.js';
import { writeOutputs, type OutputSummary } from './write-outputs.js';

export interface SimulateOptions {
  readonly data: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly out: string;
  /** Called once per simulated day, for progress display. */
  readonly onDay?: (day: IsoDate, index: number, total: number) => void;
  /** Keep the runtime running (for --serve); the caller stops it. */
  readonly keepRunning?: boolean;
}

export interface SimulateResult extends OutputSummary {
  readonly runtime?: LocalRuntime;
  readonly days: number;
  readonly seconds: number;
}

export class DataFolderError extends Error {}

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const started = performance.now();
  if (options.from > options.to) throw new Error(`--from ${options.from} is after --to ${options.to}`);
  const folder = await readDataFolder(options.data);
  if (!folder.ok) throw new DataFolderError(`The data folder ${options.data} has problems:\n${formatProblems(folder.problems)}`);
  const { reference, payments, usageFiles } = folder.value;

  const runtime = await startLocalRuntime();
  try {
    const { deps } = runtime;
    await deps.ledger.saveReferenceData(reference);
    for (const path of usageFiles) {
      const key = `inbox/${basename(path)}`;
      await deps.usage.put(key, await readFile(path));
      await ingestUsageFile(deps, { key, today: options.from });
    }
    await importPayments(deps, payments);

    const days = [...eachDay(options.from, options.to)];
    for (const [index, day] of days.entries()) {
      options.onDay?.(day, index, days.length);
      await runDay(runtime, day, reference.settings.reports.agingWeekday);
    }
    await agingReport(deps, { asOf: options.to, email: false });
    await rm(options.out, { recursive: true, force: true });
    await mkdir(options.out, { recursive: true });
    // The inbox link only while the runtime keeps running (--serve): otherwise it would point
    // at a stopped server.
    const inboxUrl = options.keepRunning ? runtime.aws.sesInboxUrl : undefined;
    const summary = await writeOutputs(deps, options.out, options.to, reference.settings.msp.name, inboxUrl);
    const result = { ...summary, days: days.length, seconds: (performance.now() - started) / 1000 };
    if (options.keepRunning) return { ...result, runtime };
    await runtime.stop();
    return result;
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}

/** One simulated day, in the order SPEC.md section 9 fixes. */
export async function runDay(runtime: LocalRuntime, day: IsoDate, agingWeekday: number): Promise<void> {
  const { deps } = runtime;
  await applyDuePayments(deps, { today: day });
  await runDunning(deps, { today: day });
  if (day.endsWith('-01')) {
    await runBilling(deps, { today: day });
    await runtime.drain(runtime.queues.work, (body) => deliverInvoice(deps, body as { number: string }));
    await runtime.drain(runtime.queues.discrepancies, async (body) => { await storeDiscrepancy(deps, body as DiscrepancyMessage); });
    await sendReconciliationReport(deps, { today: day });
  } else {
    // Discrepancies from payments (unapplied money) are stored the same day.
    await runtime.drain(runtime.queues.discrepancies, async (body) => { await storeDiscrepancy(deps, body as DiscrepancyMessage); });
  }
  if (isoWeekday(day) === agingWeekday) await agingReport(deps, { asOf: day, email: true });
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, JSON.stringify(value, null, 1) + '\n');
}
