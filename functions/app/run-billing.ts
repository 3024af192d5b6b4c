/**
 * The billing run on day D, the 1st of month M (docs/contract.md §5): reconcile P = M − 1 once,
 * queue its discrepancies, then plan the invoices once and fan them out. The plan is every
 * client's invoice draft, in client_id order, stored in S3; the run reserves that many
 * consecutive numbers from the gapless counter (once per period) and sends one
 * `issue_invoice` message per draft, which an invoice worker issues and delivers. So the run
 * itself does no per-invoice writes, and numbers still follow client_id order with no gap.
 * Re-running it plans, reserves and issues nothing twice: the plan and the reservation are
 * keyed by the period, each invoice by (client, period).
 */
import { calculateInvoice, type InvoiceDraft } from '../domain/calculate-invoice.js';
import { addMonths, periodOf, type IsoDate, type Period } from '../domain/dates.js';
import { reconcilePeriod } from '../domain/reconcile-period.js';
import { compareText, type Discrepancy, type PairResult } from '../domain/reconcile-period.js';
import { UsageSummarizer, type UsageSummary } from '../domain/summarize-usage.js';
import { holdMissingFeeds, vendorKey } from '../domain/hold-missing-feeds.js';
import { missingFeeds } from '../domain/expected-feeds.js';
import type { Charge, Client, LateFee, ReferenceData } from '../domain/billing-types.js';
import { encode, reviveInvoice, reviveLateFee } from './codec.js';
import type { UseCaseDeps } from './deps.js';
import type {
  CreditNoteBook,
  ChargeBook,
  DunningLog,
  FileRecord,
  InvoiceBook,
  ReconciliationLog,
  ReferenceDataStore,
  StoredDraft,
  UsageFileLog,
} from './ports.js';
import { holdForReview, ReviewError, type HoldDeps } from './review-drafts.js';
import { discrepancyMessage, issueInvoiceMessage, type IssueInvoiceMessage } from './messages.js';
import {
  readPlan,
  readReconciliation,
  reconciliationKey,
  writePlan,
  writeReconciliation,
  type PlanEntry,
} from './bucket-layout.js';
import {
  discrepanciesFromJson,
  pairsFromJson,
  toReconciliationJson,
  type ReconciliationJson,
  type ReleasedHold,
} from './reconciliation-json.js';
import { readPeriodRecords } from './usage-records.js';

export interface BillingRunResult {
  readonly period: Period;
  /** The invoice numbers of the plan, in client_id order (issued by the invoice workers); in hold mode, those auto-approved. */
  readonly planned: string[];
  readonly reconciliation: ReconciliationJson;
  /** Hold mode (docs/review.md): the period's drafts as stored after the run. */
  readonly drafts?: readonly StoredDraft[];
}

interface PlannedDraft {
  readonly draft: InvoiceDraft;
  readonly lateFees: readonly LateFee[];
  /** What the invoice shows under its true-up and credit lines (see usageOfLines). */
  readonly usage: PlannedUsage;
  /** The discrepancies its lines carry (see closuresOfLines). */
  readonly closes: PlannedClosures;
}

/** What the billing run reads and writes: late fees to bill, numbers to reserve, no invoice. */
export type BillingDeps = UseCaseDeps<
  ReferenceDataStore & UsageFileLog & ReconciliationLog & InvoiceBook & DunningLog & CreditNoteBook & ChargeBook,
  'artifacts' | 'discrepancyQueue' | 'workQueue' | 'log'
> &
  HoldDeps;

type PlannedUsage = NonNullable<IssueInvoiceMessage['usage']>;
type PlannedClosures = NonNullable<IssueInvoiceMessage['closes']>;

/** Per-client ledger reads (late fees, charges) in flight at once while planning. */
const PLAN_CONCURRENCY = 16;

/**
 * `replan` (hold mode only): the period's reconciliation and plan are rebuilt from the data as
 * it is now and its drafts replaced; approved drafts are never touched (DraftBook.saveDrafts).
 */
export async function runBilling(
  deps: BillingDeps,
  input: { today: IsoDate; replan?: boolean },
): Promise<BillingRunResult> {
  if (!input.today.endsWith('-01'))
    throw new Error(`The billing run runs on the 1st of a month, not on ${input.today}`);
  const reference = await requireReference(deps);
  const period = addMonths(periodOf(input.today), -1);
  const hold = reference.settings.invoice.review === 'hold';
  if (input.replan && !hold)
    throw new ReviewError(
      `Re-planning rebuilds drafts held for review; trueup.json does not set "invoice": { "review": "hold" }, so ${period}'s invoices were issued, not held.`,
    );
  const reconciliation = await reconcileOnce(deps, reference, period, input.today, input.replan === true);
  const plan = await planOnce(deps, reference, reconciliation, input.today, input.replan === true);
  if (hold) return holdPlan(deps, reference, reconciliation, plan, input.today, input.replan === true);
  const first = await deps.ledger.reserveInvoiceNumbers(period, plan.length);
  const messages = plan.map((entry, i) =>
    issueMessage(reference.settings.invoice.prefix, input.today, first + i, entry),
  );
  await deps.workQueue.send(messages.map((m) => ({ id: `issue#${m.number}`, body: m })));
  deps.log.info('billing run done', { period, planned: messages.length, firstNumber: messages[0]?.number });
  return { period, planned: messages.map((m) => m.number), reconciliation };
}

/** Hold mode: the plan becomes drafts for review (docs/review.md); only auto-approved ones are numbered now. */
async function holdPlan(
  deps: BillingDeps,
  reference: ReferenceData,
  reconciliation: ReconciliationJson,
  plan: readonly PlanEntry[],
  today: IsoDate,
  replan: boolean,
): Promise<BillingRunResult> {
  const { drafts, approved } = await holdForReview(deps, {
    reference,
    period: reconciliation.period,
    plan,
    today,
    discrepancies: periodDiscrepancies(reconciliation),
    // A re-plan runs days after the 1st: its drafts are approved by a person, on the day they are.
    autoApprove: !replan,
  });
  return {
    period: reconciliation.period,
    planned: (approved?.approved ?? []).flatMap((d) => (d.number ? [d.number] : [])),
    reconciliation,
    drafts,
  };
}

export function invoiceNumber(prefix: string, issueDate: IsoDate, sequence: number): string {
  return `${prefix}-${issueDate.slice(0, 4)}-${String(sequence).padStart(6, '0')}`;
}

function issueMessage(prefix: string, today: IsoDate, sequence: number, entry: PlanEntry): IssueInvoiceMessage {
  return issueInvoiceMessage(invoiceNumber(prefix, today, sequence), entry);
}

/** The message back as the invoice to write and the late fees it bills. */
export function plannedInvoice(message: IssueInvoiceMessage): {
  invoice: ReturnType<typeof reviveInvoice>;
  lateFees: LateFee[];
} {
  const invoice = reviveInvoice({ ...message.draft, number: message.number });
  return { invoice, lateFees: message.lateFees.map((f) => reviveLateFee(f)) };
}

/**
 * The drafts of P's invoices in client_id order, computed the first time and stored; a retry
 * (or a concurrent run) reads the stored plan, so the count it reserves numbers for and the
 * drafts it sends never change.
 */
async function planOnce(
  deps: BillingDeps,
  reference: ReferenceData,
  reconciliation: ReconciliationJson,
  today: IsoDate,
  replan = false,
): Promise<PlanEntry[]> {
  const stored = replan ? undefined : await readPlan(deps.artifacts, reconciliation.period);
  if (stored) return stored;
  const lines = (await computePlan(deps, reference, reconciliation, today)).map((p) =>
    encode({
      draft: p.draft,
      lateFees: p.lateFees,
      usage: p.usage,
      ...(p.closes.length > 0 ? { closes: p.closes } : {}),
    }),
  );
  await writePlan(deps.artifacts, reconciliation.period, lines);
  return lines.map((line) => JSON.parse(line) as PlanEntry); // just encoded: the plan's shape
}

async function computePlan(
  deps: BillingDeps,
  reference: ReferenceData,
  reconciliation: ReconciliationJson,
  today: IsoDate,
): Promise<PlannedDraft[]> {
  const pairsByClient = groupByClient(pairsFromJson(reconciliation, reference.agreements));
  const released = releasedByClient(reconciliation, reference);
  const clients = [...reference.clients].sort((a, b) => compareText(a.clientId, b.clientId));
  const fees = await mapBounded(clients, PLAN_CONCURRENCY, async (c: Client) =>
    (await deps.ledger.unbilledLateFees(c.clientId)).filter((f) => f.chargedOn <= today),
  );
  // Client credit left by credit notes, spent by the invoice (work-messages.ts issueExtras).
  const credits = await mapBounded(clients, PLAN_CONCURRENCY, (c: Client) => deps.ledger.clientCredits(c.clientId));
  // A charge to invoice now has an invoice of its own (charges.ts), never the run's.
  const charges = await mapBounded(clients, PLAN_CONCURRENCY, async (c: Client) =>
    (await deps.ledger.unbilledCharges(c.clientId)).filter((charge) => charge.date <= today && !charge.invoiceNow),
  );
  const plan: PlannedDraft[] = [];
  clients.forEach((client, i) => {
    const lateFees = fees[i] ?? [];
    const clientCharges = charges[i] ?? [];
    const draft = calculateInvoice({
      client,
      issueDate: today,
      recurringTiming: reference.settings.invoice.recurringTiming,
      agreements: reference.agreements,
      products: reference.products,
      pairs: pairsByClient.get(client.clientId) ?? [],
      releasedPairs: released.get(client.clientId),
      lateFees,
      clientCredits: credits[i] ?? [],
      charges: clientCharges,
    });
    if (draft)
      plan.push({
        draft,
        lateFees,
        usage: usageOfLines(reconciliation, client.clientId, draft),
        closes: closuresOfLines(reconciliation, client.clientId, draft, clientCharges),
      });
  });
  return plan;
}

/**
 * The discrepancies the draft's lines carry, with each line's 1-based place: a true-up line
 * bills the under_billed discrepancy of its client, sku and period (a released hold's line
 * carries its own period), a credit line credits the over_billed one, as the reconciliation
 * JSON lists them; a charge made of a discrepancy bills or credits it, in the name of who made it.
 */
export function closuresOfLines(
  reconciliation: Pick<ReconciliationJson, 'period' | 'discrepancies' | 'released'> | undefined,
  clientId: string,
  draft: Pick<InvoiceDraft, 'lines'>,
  charges: readonly Charge[],
): PlannedClosures {
  const listed = reconciliation
    ? [
        { period: reconciliation.period, discrepancies: reconciliation.discrepancies },
        ...(reconciliation.released ?? []),
      ]
    : [];
  const closes: PlannedClosures = [];
  draft.lines.forEach((line, i) => {
    if (line.kind === 'true_up' || line.kind === 'credit') {
      const type = line.kind === 'true_up' ? 'under_billed' : 'over_billed';
      const found = listed
        .filter((l) => l.period === line.period)
        .flatMap((l) => l.discrepancies)
        .find((d) => d.type === type && d.clientId === clientId && d.sku === line.sku);
      if (found) closes.push({ id: found.id, status: line.kind === 'true_up' ? 'billed' : 'credited', line: i + 1 });
    } else if (line.kind === 'charge') {
      const charge = charges.find((c) => c.chargeId === line.chargeId);
      if (charge?.discrepancyId)
        closes.push({
          id: charge.discrepancyId,
          status: line.amount.isNegative() ? 'credited' : 'billed',
          line: i + 1,
          ...(charge.by ? { by: charge.by } : {}),
        });
    }
  });
  return closes;
}

/**
 * used vs contracted of the period's pairs of the client whose sku has a true-up or credit line
 * on the draft, as the reconciliation JSON states them: what the invoice prints under those
 * lines, carried in the plan so that the invoice worker need not read the whole
 * reconciliation. The same pairs, in the same order, as the worker's reading of the JSON.
 */
function usageOfLines(reconciliation: ReconciliationJson, clientId: string, draft: InvoiceDraft): PlannedUsage {
  const skus = new Set(
    draft.lines.filter((l) => (l.kind === 'true_up' || l.kind === 'credit') && l.sku).map((l) => l.sku),
  );
  const usage: PlannedUsage = {};
  if (skus.size === 0) return usage;
  for (const pair of reconciliation.pairs) {
    if (pair.clientId === clientId && skus.has(pair.sku))
      usage[pair.sku] = { used: pair.used, contracted: pair.contracted };
  }
  return usage;
}

function groupByClient(pairs: readonly PairResult[]): Map<string, PairResult[]> {
  const out = new Map<string, PairResult[]>();
  for (const pair of pairs) {
    const list = out.get(pair.clientId);
    if (list) list.push(pair);
    else out.set(pair.clientId, [pair]);
  }
  return out;
}

function releasedByClient(
  reconciliation: ReconciliationJson,
  reference: ReferenceData,
): Map<string, { period: Period; pairs: PairResult[] }[]> {
  const out = new Map<string, { period: Period; pairs: PairResult[] }[]>();
  for (const hold of reconciliation.released ?? []) {
    for (const [clientId, pairs] of groupByClient(
      pairsFromJson({ ...reconciliation, pairs: hold.pairs }, reference.agreements),
    )) {
      out.set(clientId, [...(out.get(clientId) ?? []), { period: hold.period, pairs }]);
    }
  }
  return out;
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Reconciles P the first time; later runs reuse the stored result (and its file list). The
 * first time also holds the pairs of expected feeds that have not arrived, and releases pairs
 * held at earlier runs whose feed has arrived since (docs/sources.md, "Expected feeds").
 */
async function reconcileOnce(
  deps: BillingDeps,
  reference: ReferenceData,
  period: Period,
  today: IsoDate,
  again = false,
): Promise<ReconciliationJson> {
  const key = reconciliationKey(period);
  // `again` (re-planning held drafts): reconciled anew from the usage as it is now.
  const stored = await readReconciliation(deps.artifacts, key);
  let json = again ? undefined : stored;
  /** The unreported files, when this run read them to list them in the reconciliation. */
  let files: FileRecord[] | undefined;
  if (!json) {
    const { summary, vendors } = await summarizePeriod(deps, reference, period);
    const expected = await deps.ledger.expectedFeeds();
    const seen = [...vendors].map((vendor) => ({ vendor, period }));
    const missing = missingFeeds({ expected, filesSeen: seen, period, today }).map((f) => f.vendor);
    const notYetDue = missingFeeds({ expected, filesSeen: seen, period })
      .map((f) => f.vendor)
      .filter((v) => !missing.includes(v));
    const { reconciliation, held } = holdMissingFeeds(
      reconcilePeriod(reference, summary),
      reference,
      missing,
      notYetDue,
    );
    const released = await releaseHeld(deps, reference, period);
    files = await deps.ledger.unreportedFiles();
    json = {
      ...toReconciliationJson(reconciliation, files),
      ...(held.length > 0 ? { held } : {}),
      ...(released.length > 0 ? { released } : {}),
    };
    // Re-planned: the files the first run listed (reported since) stay listed.
    if (stored)
      json = {
        ...json,
        files: [...stored.files, ...json.files.filter((f) => !stored.files.some((s) => s.name === f.name))],
      };
    await writeReconciliation(deps.artifacts, json);
  }
  const discrepancies = periodDiscrepancies(json);
  await deps.discrepancyQueue.send(discrepancies.map((d) => ({ id: d.id, body: discrepancyMessage(today, d) })));
  const unreported = files ?? (await deps.ledger.unreportedFiles());
  const listed = new Set(json.files.map((f) => f.name));
  await deps.ledger.markFilesReported(
    unreported.filter((f) => listed.has(f.name)),
    period,
  );
  await deps.ledger.putReconciliation({
    period,
    runDate: today,
    key,
    pairs: json.metrics.pairs,
    discrepancies: json.metrics.discrepancies,
    discrepancyRate: json.metrics.discrepancyRate,
    ...(json.held ? { held: json.held.length } : {}),
  });
  return json;
}

/** The discrepancies of a reconciliation, its released holds' included. */
function periodDiscrepancies(json: ReconciliationJson): Discrepancy[] {
  return [
    ...discrepanciesFromJson(json),
    ...(json.released ?? []).flatMap((r) =>
      discrepanciesFromJson({ ...json, period: r.period, discrepancies: r.discrepancies }),
    ),
  ];
}

async function summarizePeriod(
  deps: BillingDeps,
  reference: ReferenceData,
  period: Period,
): Promise<{ summary: UsageSummary; vendors: Set<string> }> {
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
async function releaseHeld(deps: BillingDeps, reference: ReferenceData, period: Period): Promise<ReleasedHold[]> {
  const earlier = (await deps.ledger.recentReconciliations(HOLD_LOOKBACK_PERIODS)).filter((r) => r.period < period);
  if (earlier.every((r) => !r.held)) return []; // nothing held in the window: no reads
  const jsons: ReconciliationJson[] = [];
  for (const record of earlier) {
    const json = await readReconciliation(deps.artifacts, record.key);
    if (json) jsons.push(json);
  }
  const done = new Set(jsons.flatMap((j) => (j.released ?? []).map((r) => `${r.period}|${r.vendor}`)));
  const out: ReleasedHold[] = [];
  for (const json of [...jsons].sort((a, b) => compareText(a.period, b.period))) {
    const vendors = [...new Set((json.held ?? []).map((h) => h.vendor))]
      .filter((v) => !done.has(`${json.period}|${v}`))
      .sort();
    if (vendors.length === 0) continue;
    const { summary, vendors: arrived } = await summarizePeriod(deps, reference, json.period);
    const full = reconcilePeriod(reference, summary);
    for (const vendor of vendors.filter((v) => arrived.has(v))) {
      const keys = new Set((json.held ?? []).filter((h) => h.vendor === vendor).map((h) => `${h.clientId}|${h.sku}`));
      const pairs = full.pairs.filter((p) => keys.has(`${p.clientId}|${p.sku}`));
      const discrepancies = full.discrepancies.filter(
        (d) => (d.clientId !== undefined && keys.has(`${d.clientId}|${d.sku ?? ''}`)) || isLateVendorsOwn(d, vendor),
      );
      const asJson = toReconciliationJson({ ...full, pairs, discrepancies }, []);
      out.push({ period: json.period, vendor, pairs: asJson.pairs, discrepancies: asJson.discrepancies });
    }
  }
  return out;
}

/**
 * An unknown account or unmapped sku of the vendor whose late usage is released: its rows were
 * in no earlier reconciliation of the period (the vendor had delivered nothing), so the
 * release reports it, once.
 */
function isLateVendorsOwn(discrepancy: Discrepancy, vendor: string): boolean {
  return (
    (discrepancy.type === 'unknown_account' || discrepancy.type === 'unmapped_sku') &&
    vendorKey(discrepancy.vendor ?? '') === vendor
  );
}

export async function requireReference(deps: UseCaseDeps<ReferenceDataStore>): Promise<ReferenceData> {
  const reference = await deps.ledger.loadReferenceData();
  if (!reference) throw new Error('No reference data imported yet: run `trueup import --data DIR` first');
  return reference;
}
