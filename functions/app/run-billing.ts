/**
 * The billing run on day D, the 1st of month M (SPEC.md section 5): reconcile P = M − 1 once,
 * queue its discrepancies, issue one invoice per client with a line (numbers in client_id
 * order, from the gapless counter), and fan out one delivery message per invoice.
 * Re-running it issues nothing twice: each step is keyed by (period) or (client, period).
 */
import { calculateInvoice } from '../domain/calculate-invoice.js';
import { addMonths, periodOf, type IsoDate, type Period } from '../domain/dates.js';
import { reconcilePeriod } from '../domain/reconcile-period.js';
import { compareText, type PairResult } from '../domain/reconcile-period.js';
import { UsageSummarizer } from '../domain/summarize-usage.js';
import type { ReferenceData } from '../domain/types.js';
import type { Deps } from './deps.js';
import { discrepanciesFromJson, pairsFromJson, reconciliationKey, toReconciliationJson, type ReconciliationJson } from './reconciliation-json.js';
import { readPeriodRecords } from './usage-records.js';

export interface BillingRunResult {
  readonly period: Period;
  readonly issued: string[];
  readonly alreadyIssued: string[];
  readonly reconciliation: ReconciliationJson;
}

export async function runBilling(deps: Deps, input: { today: IsoDate }): Promise<BillingRunResult> {
  if (!input.today.endsWith('-01')) throw new Error(`The billing run runs on the 1st of a month, not on ${input.today}`);
  const reference = await requireReference(deps);
  const period = addMonths(periodOf(input.today), -1);
  const reconciliation = await reconcileOnce(deps, reference, period, input.today);

  const pairsByClient = new Map<string, PairResult[]>();
  for (const pair of pairsFromJson(reconciliation, reference.agreements)) {
    const list = pairsByClient.get(pair.clientId);
    if (list) list.push(pair);
    else pairsByClient.set(pair.clientId, [pair]);
  }
  const issued: string[] = [];
  const alreadyIssued: string[] = [];
  const clients = [...reference.clients].sort((a, b) => compareText(a.clientId, b.clientId));
  for (const client of clients) {
    const existing = await deps.ledger.invoiceNumberFor(client.clientId, period);
    if (existing) {
      alreadyIssued.push(existing);
      continue;
    }
    const lateFees = await deps.ledger.unbilledLateFees(client.clientId);
    const draft = calculateInvoice({
      client, issueDate: input.today, recurringTiming: reference.settings.invoice.recurringTiming,
      agreements: reference.agreements, products: reference.products,
      pairs: pairsByClient.get(client.clientId) ?? [], lateFees: lateFees.filter((f) => f.chargedOn <= input.today),
    });
    if (!draft) continue;
    const invoice = await deps.ledger.issueInvoice(draft, reference.settings.invoice.prefix, lateFees.filter((f) => f.chargedOn <= input.today));
    if (invoice) issued.push(invoice.number);
    else alreadyIssued.push((await deps.ledger.invoiceNumberFor(client.clientId, period)) ?? '');
  }
  const all = [...alreadyIssued, ...issued].filter(Boolean).sort();
  await deps.workQueue.send(all.map((number) => ({ id: `deliver#${number}`, body: { type: 'deliver_invoice', number } })));
  deps.log.info('billing run done', { period, issued: issued.length, alreadyIssued: alreadyIssued.length });
  return { period, issued, alreadyIssued, reconciliation };
}

/** Reconciles P the first time; later runs reuse the stored result (and its file list). */
async function reconcileOnce(deps: Deps, reference: ReferenceData, period: Period, today: IsoDate): Promise<ReconciliationJson> {
  const key = reconciliationKey(period);
  const stored = await deps.artifacts.get(key);
  let json: ReconciliationJson;
  if (stored) {
    json = JSON.parse(new TextDecoder().decode(stored)) as ReconciliationJson;
  } else {
    const summarizer = new UsageSummarizer(reference, period);
    for await (const record of readPeriodRecords(deps.artifacts, period)) summarizer.add(record);
    const files = await deps.ledger.unreportedFiles();
    json = toReconciliationJson(reconcilePeriod(reference, summarizer.result()), files);
    await deps.artifacts.put(key, JSON.stringify(json, null, 1), 'application/json');
  }
  await deps.discrepancyQueue.send(discrepanciesFromJson(json).map((d) => ({ id: d.id, body: { type: 'discrepancy', openedOn: today, discrepancy: d } })));
  const unreported = await deps.ledger.unreportedFiles();
  const listed = new Set(json.files.map((f) => f.name));
  await deps.ledger.markFilesReported(unreported.filter((f) => listed.has(f.name)), period);
  await deps.ledger.putReconciliation({
    period, runDate: today, key, pairs: json.metrics.pairs, discrepancies: json.metrics.discrepancies, discrepancyRate: json.metrics.discrepancyRate,
  });
  return json;
}

export async function requireReference(deps: Deps): Promise<ReferenceData> {
  const reference = await deps.ledger.loadReferenceData();
  if (!reference) throw new Error('No reference data imported yet: run `trueup import --data DIR` first');
  return reference;
}
