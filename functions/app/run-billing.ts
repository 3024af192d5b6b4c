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
import { UsageSummarizer, type UsageSummary } from '../domain/summarize-usage.js';
import { holdMissingFeeds, vendorKey } from '../domain/hold-missing-feeds.js';
import { missingFeeds } from '../collect/expected-feeds.js';
import type { ReferenceData } from '../domain/types.js';
import type { Deps } from './deps.js';
import { discrepanciesFromJson, pairsFromJson, reconciliationKey, toReconciliationJson, type ReconciliationJson, type ReleasedHold } from './reconciliation-json.js';
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
  const released = new Map<string, { period: Period; pairs: PairResult[] }[]>();
  for (const hold of reconciliation.released ?? []) {
    for (const pair of pairsFromJson({ ...reconciliation, pairs: hold.pairs }, reference.agreements)) {
      const list = released.get(pair.clientId) ?? [];
      const entry = list.find((r) => r.period === hold.period);
      if (entry) entry.pairs.push(pair);
      else list.push({ period: hold.period, pairs: [pair] });
      released.set(pair.clientId, list);
    }
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
      pairs: pairsByClient.get(client.clientId) ?? [], releasedPairs: released.get(client.clientId), lateFees: lateFees.filter((f) => f.chargedOn <= input.today),
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

/**
 * Reconciles P the first time; later runs reuse the stored result (and its file list). The
 * first time also holds the pairs of expected feeds that have not arrived, and releases pairs
 * held at earlier runs whose feed has arrived since (docs/sources.md, "Expected feeds").
 */
async function reconcileOnce(deps: Deps, reference: ReferenceData, period: Period, today: IsoDate): Promise<ReconciliationJson> {
  const key = reconciliationKey(period);
  const stored = await deps.artifacts.get(key);
  let json: ReconciliationJson;
  if (stored) {
    json = JSON.parse(new TextDecoder().decode(stored)) as ReconciliationJson;
  } else {
    const { summary, vendors } = await summarizePeriod(deps, reference, period);
    const expected = await deps.ledger.expectedFeeds();
    const missing = missingFeeds({ expected, filesSeen: [...vendors].map((vendor) => ({ vendor, period })), period, today }).map((f) => f.vendor);
    const { reconciliation, held } = holdMissingFeeds(reconcilePeriod(reference, summary), reference, missing);
    const released = await releaseHeld(deps, reference, period);
    const files = await deps.ledger.unreportedFiles();
    json = { ...toReconciliationJson(reconciliation, files), ...(held.length > 0 ? { held } : {}), ...(released.length > 0 ? { released } : {}) };
    await deps.artifacts.put(key, JSON.stringify(json, null, 1), 'application/json');
  }
  const discrepancies = [...discrepanciesFromJson(json), ...(json.released ?? []).flatMap((r) => discrepanciesFromJson({ ...json, period: r.period, discrepancies: r.discrepancies }))];
  await deps.discrepancyQueue.send(discrepancies.map((d) => ({ id: d.id, body: { type: 'discrepancy', openedOn: today, discrepancy: d } })));
  const unreported = await deps.ledger.unreportedFiles();
  const listed = new Set(json.files.map((f) => f.name));
  await deps.ledger.markFilesReported(unreported.filter((f) => listed.has(f.name)), period);
  await deps.ledger.putReconciliation({
    period, runDate: today, key, pairs: json.metrics.pairs, discrepancies: json.metrics.discrepancies, discrepancyRate: json.metrics.discrepancyRate,
    ...(json.held ? { held: json.held.length } : {}),
  });
  return json;
}

async function summarizePeriod(deps: Deps, reference: ReferenceData, period: Period): Promise<{ summary: UsageSummary; vendors: Set<string> }> {
  const summarizer = new UsageSummarizer(reference, period);
  const vendors = new Set<string>();
  for await (const record of readPeriodRecords(deps.artifacts, period)) {
    summarizer.add(record);
    vendors.add(vendorKey(record.vendor));
  }
  return { summary: summarizer.result(), vendors };
}

/** How many earlier periods a held pair waits for its feed before it is left to the billing team. */
const HOLD_LOOKBACK_PERIODS = 12;

/**
 * The pairs held at earlier billing runs whose vendor has delivered usage for their period
 * since: reconciled now against that period's usage, to be billed on this run's invoices.
 * A hold is released once: by the first later reconciliation that lists it under `released`.
 */
async function releaseHeld(deps: Deps, reference: ReferenceData, period: Period): Promise<ReleasedHold[]> {
  const earlier = (await deps.ledger.recentReconciliations(HOLD_LOOKBACK_PERIODS)).filter((r) => r.period < period);
  if (earlier.every((r) => !r.held)) return []; // nothing held in the window: no reads
  const jsons: ReconciliationJson[] = [];
  for (const record of earlier) {
    const bytes = await deps.artifacts.get(record.key);
    if (bytes) jsons.push(JSON.parse(new TextDecoder().decode(bytes)) as ReconciliationJson);
  }
  const done = new Set(jsons.flatMap((j) => (j.released ?? []).map((r) => `${r.period}|${r.vendor}`)));
  const out: ReleasedHold[] = [];
  for (const json of [...jsons].sort((a, b) => compareText(a.period, b.period))) {
    const vendors = [...new Set((json.held ?? []).map((h) => h.vendor))].filter((v) => !done.has(`${json.period}|${v}`)).sort();
    if (vendors.length === 0) continue;
    const { summary, vendors: arrived } = await summarizePeriod(deps, reference, json.period);
    const full = reconcilePeriod(reference, summary);
    for (const vendor of vendors.filter((v) => arrived.has(v))) {
      const keys = new Set((json.held ?? []).filter((h) => h.vendor === vendor).map((h) => `${h.clientId}|${h.sku}`));
      const pairs = full.pairs.filter((p) => keys.has(`${p.clientId}|${p.sku}`));
      const discrepancies = full.discrepancies.filter((d) => d.clientId !== undefined && keys.has(`${d.clientId}|${d.sku ?? ''}`));
      const asJson = toReconciliationJson({ ...full, pairs, discrepancies }, []);
      out.push({ period: json.period, vendor, pairs: asJson.pairs, discrepancies: asJson.discrepancies });
    }
  }
  return out;
}

export async function requireReference(deps: Deps): Promise<ReferenceData> {
  const reference = await deps.ledger.loadReferenceData();
  if (!reference) throw new Error('No reference data imported yet: run `trueup import --data DIR` first');
  return reference;
}
