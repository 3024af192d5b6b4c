/**
 * Review before sending (docs/review.md). With `invoice.review: "hold"` the billing run stores
 * each planned invoice as a draft instead of numbering and sending it: rendered with a DRAFT
 * watermark, listed to the billing team, approved by the auto-approve rules or by a person.
 * Approving takes the numbers from the gapless invoice counter (DraftBook.approveDrafts, in
 * client id order) and sends one `issue_invoice` per approved draft, dated the approval day;
 * the invoice worker issues and emails it as any other invoice. Every step is keyed (a draft by
 * period and client, an invoice by client and period, the email by period), so a retry or a
 * re-run approves, numbers and sends nothing twice.
 */
import { addDays, daysBetween, type IsoDate, type Period } from '../domain/dates.js';
import { Dec } from '../domain/money.js';
import type { AutoApproveRules, Client, ReferenceData } from '../domain/billing-types.js';
import { draftsAwaitingReviewEmail, type DraftLine } from '../render/review-emails.js';
import type { PlanEntry } from './bucket-layout.js';
import type { UseCaseDeps } from './deps.js';
import {
  deliverEmailMessage,
  issueInvoiceMessage,
  type IssueInvoiceMessage,
  type RenderDraftMessage,
} from './messages.js';
import type { DiscrepancyStore, DraftBook, InvoiceBook, Outbox, ReferenceDataStore, StoredDraft } from './ports.js';
import { SYSTEM_ACTOR } from './ports.js';
import { prepareEmail } from './send-email.js';

/** A mistake in what the user asked for (an unknown client, nothing to approve): the CLI prints it as it is. */
export class ReviewError extends Error {}

/** What approving needs: the drafts, the invoices (already issued?), the reference data, the work queue. */
export type ApproveDeps = UseCaseDeps<DraftBook & InvoiceBook & ReferenceDataStore, 'workQueue' | 'log'>;

/** What hold mode in the billing run needs besides approving: discrepancies, the outbox, the artifacts bucket. */
export type HoldDeps = UseCaseDeps<
  DraftBook & InvoiceBook & ReferenceDataStore & DiscrepancyStore & Outbox,
  'workQueue' | 'log' | 'artifacts'
>;

export interface ApprovalResult {
  readonly period: Period;
  /** Approved by this call, in number order. */
  readonly approved: readonly StoredDraft[];
  /** Approved before (an earlier call): their numbers are unchanged. */
  readonly alreadyApproved: readonly StoredDraft[];
  /** Held drafts `all` left alone. */
  readonly skippedHeld: readonly StoredDraft[];
  /** The invoices sent to the invoice worker now (approved drafts not issued yet, earlier ones included). */
  readonly sent: readonly string[];
}

/**
 * Approves drafts of `period`: `clientIds` (pending or held), or `all` pending ones (held ones
 * stay held). Then every approved draft named (or, with `all`, every approved draft of the
 * period) whose invoice is not issued yet is sent to the invoice worker: also those approved by
 * an earlier attempt that stopped before sending.
 */
export async function approveDrafts(
  deps: ApproveDeps,
  input: { period: Period; clientIds?: readonly string[]; all?: boolean; today: IsoDate; by: string },
): Promise<ApprovalResult> {
  const reference = await loadReference(deps);
  const before = await deps.ledger.listDrafts(input.period);
  const known = new Map(before.map((d) => [d.clientId, d]));
  const unknown = (input.clientIds ?? []).filter((c) => !known.has(c));
  if (unknown.length > 0)
    throw new ReviewError(
      `No draft of ${unknown.join(', ')} for ${input.period}${before.length === 0 ? ` (the period has no drafts)` : ''}: see trueup invoices drafts --period ${input.period}`,
    );
  const named = input.all
    ? before.filter((d) => d.status !== 'held').map((d) => d.clientId)
    : [...new Set(input.clientIds ?? [])];
  const toApprove = named.filter((c) => known.get(c)?.status !== 'approved');
  const after =
    toApprove.length === 0
      ? named.map((c) => known.get(c)!)
      : await deps.ledger.approveDrafts({
          period: input.period,
          clientIds: named,
          on: input.today,
          by: input.by,
          prefix: reference.settings.invoice.prefix,
        });
  const approved = after.filter((d) => toApprove.includes(d.clientId) && d.status === 'approved');
  const sent = await sendApproved(deps, reference, after);
  return {
    period: input.period,
    approved: byNumber(approved),
    alreadyApproved: byNumber(after.filter((d) => !toApprove.includes(d.clientId))),
    skippedHeld: input.all ? before.filter((d) => d.status === 'held') : [],
    sent,
  };
}

/** One `issue_invoice` per approved draft whose invoice is not issued yet, dated its approval day. */
async function sendApproved(
  deps: ApproveDeps,
  reference: ReferenceData,
  drafts: readonly StoredDraft[],
): Promise<string[]> {
  const messages: IssueInvoiceMessage[] = [];
  for (const draft of byNumber(drafts.filter((d) => d.status === 'approved'))) {
    if (await deps.ledger.invoiceNumberFor(draft.clientId, draft.period)) continue; // issued already
    const client = reference.clients.find((c) => c.clientId === draft.clientId);
    messages.push(issueInvoiceMessage(draft.number!, redated(draft, client)));
  }
  await deps.workQueue.send(messages.map((m) => ({ id: `issue#${m.number}`, body: m })));
  if (messages.length > 0) deps.log.info('approved drafts sent to issue', { numbers: messages.map((m) => m.number) });
  return messages.map((m) => m.number);
}

/**
 * The draft's plan entry dated as approved: issue date = the approval day, due date = that
 * day + the client's payment terms (the terms the draft was planned with, if the client has
 * left the reference data since).
 */
export function redated(draft: StoredDraft, client: Client | undefined): PlanEntry {
  const issueDate = draft.approvedOn ?? draft.createdOn;
  const planned = draft.entry.draft as { issueDate?: string; dueDate?: string };
  const terms =
    client?.paymentTermsDays ??
    (planned.issueDate && planned.dueDate ? daysBetween(planned.issueDate, planned.dueDate) : 0);
  return { ...draft.entry, draft: { ...draft.entry.draft, issueDate, dueDate: addDays(issueDate, terms) } };
}

/** Holds a draft with a reason: `approve --all` leaves it alone. `period`: by default the client's latest unapproved draft. */
export async function holdDraft(
  deps: UseCaseDeps<DraftBook>,
  input: { clientId: string; reason: string; period?: Period; today: IsoDate; by: string },
): Promise<StoredDraft> {
  const reason = input.reason.trim();
  if (reason === '') throw new ReviewError('A hold needs a reason (--reason TEXT): the billing team reads it.');
  const drafts = (await deps.ledger.listDrafts(input.period)).filter((d) => d.clientId === input.clientId);
  const draft = input.period ? drafts[0] : drafts.filter((d) => d.status !== 'approved').at(-1);
  if (!draft)
    throw new ReviewError(
      `No ${input.period ? '' : 'unapproved '}draft of ${input.clientId}${input.period ? ` for ${input.period}` : ''}: see trueup invoices drafts`,
    );
  if (draft.status === 'approved')
    throw new ReviewError(
      `The draft of ${draft.clientId} for ${draft.period} is already approved as ${draft.number ?? '?'}: it cannot be held.`,
    );
  return deps.ledger.holdDraft(draft.period, draft.clientId, reason, input.today, input.by);
}

/** The drafts as the billing team reads them (client name, total). */
export function draftLines(reference: ReferenceData, drafts: readonly StoredDraft[]): DraftLine[] {
  const names = new Map(reference.clients.map((c) => [c.clientId, c.name]));
  return drafts.map((d) => {
    const planned = d.entry.draft as { total?: unknown; currency?: unknown };
    return {
      clientId: d.clientId,
      clientName: names.get(d.clientId) ?? d.clientId,
      currency: String(planned.currency ?? ''),
      total: new Dec(String(planned.total ?? '0')),
      status: d.status,
      ...(d.holdReason === undefined ? {} : { holdReason: d.holdReason }),
      ...(d.number === undefined ? {} : { number: d.number }),
    };
  });
}

/** The drafts not approved that were stored more than `days` days before `today` (the review alarm's figure). */
export function draftsWaiting(drafts: readonly StoredDraft[], today: IsoDate, days: number): StoredDraft[] {
  return drafts.filter((d) => d.status !== 'approved' && daysBetween(d.createdOn, today) > days);
}

/** How many days drafts may wait before the alarm, when `invoice.reviewAlarmDays` is not set. */
export const DEFAULT_REVIEW_ALARM_DAYS = 3;

/**
 * The daily figure of the review alarm: how many drafts have waited longer than
 * `invoice.reviewAlarmDays` (default 3) on `today`; undefined when invoices are not held.
 */
export async function draftsWaitingReview(
  deps: UseCaseDeps<DraftBook & ReferenceDataStore>,
  today: IsoDate,
): Promise<number | undefined> {
  const settings = (await deps.ledger.loadReferenceData())?.settings;
  if (settings?.invoice.review !== 'hold') return undefined;
  const days = settings.invoice.reviewAlarmDays ?? DEFAULT_REVIEW_ALARM_DAYS;
  return draftsWaiting(await deps.ledger.listDrafts(), today, days).length;
}

/**
 * Hold mode in the billing run of `period`: stores the plan as drafts (approved ones are never
 * touched), approves those the auto-approve rules pass, renders the others with a DRAFT
 * watermark and tells the billing team (once per period). Nothing is sent to a client for an
 * unapproved draft. `discrepancyIds`: the period's discrepancies by id and client, which the run
 * may have queued but not yet stored (counted open unless stored with another status).
 */
export async function holdForReview(
  deps: HoldDeps,
  input: {
    reference: ReferenceData;
    period: Period;
    plan: readonly PlanEntry[];
    today: IsoDate;
    discrepancies: readonly { id: string; clientId?: string }[];
    /** Apply the auto-approve rules (the billing run on the 1st; not a re-plan). */
    autoApprove: boolean;
  },
): Promise<{ drafts: StoredDraft[]; approved: ApprovalResult | undefined }> {
  const { reference, period, today } = input;
  const stored =
    input.plan.length === 0
      ? []
      : await deps.ledger.saveDrafts(
          input.plan.map((entry) => ({
            period,
            clientId: String(entry.draft.clientId),
            entry,
            status: 'pending',
            createdOn: today,
          })),
        );
  const rules = input.autoApprove ? reference.settings.invoice.autoApprove : undefined;
  const passing = rules ? await passingRules(deps, rules, stored, input.discrepancies) : [];
  const approved =
    passing.length > 0 ? await approveDrafts(deps, { period, clientIds: passing, today, by: SYSTEM_ACTOR }) : undefined;
  const drafts = approved ? await deps.ledger.listDrafts(period) : stored;
  const waiting = drafts.filter((d) => d.status !== 'approved');
  // The invoice workers render them (the billing run renders no PDF).
  await deps.workQueue.send(
    waiting.map((d) => ({ id: `draft#${d.period}#${d.clientId}`, body: renderDraftMessage(d) })),
  );
  if (waiting.length > 0) await queueReviewEmail(deps, reference, period, waiting, today);
  deps.log.info('billing run held drafts for review', {
    period,
    drafts: drafts.length,
    autoApproved: approved?.approved.length ?? 0,
  });
  return { drafts, approved };
}

/**
 * The pending drafts (in client id order) every given rule passes: no open or acknowledged
 * discrepancy of the client; the total within ± maxChangePercent of the client's previous
 * issued invoice in the same currency (none: the rule fails). No rule given: none passes.
 */
async function passingRules(
  deps: UseCaseDeps<InvoiceBook & DiscrepancyStore>,
  rules: AutoApproveRules,
  drafts: readonly StoredDraft[],
  current: readonly { id: string; clientId?: string }[],
): Promise<string[]> {
  if (rules.noOpenDiscrepancies === undefined && rules.maxChangePercent === undefined) return [];
  const pending = drafts.filter((d) => d.status === 'pending');
  if (pending.length === 0) return [];
  const undecided = new Set<string>();
  if (rules.noOpenDiscrepancies) {
    const stored = new Map((await deps.ledger.listDiscrepancies()).map((d) => [d.id, d]));
    for (const d of stored.values())
      if (d.clientId && (d.status === 'open' || d.status === 'acknowledged')) undecided.add(d.clientId);
    for (const d of current) if (d.clientId && !stored.has(d.id)) undecided.add(d.clientId);
  }
  const invoices = rules.maxChangePercent === undefined ? [] : await deps.ledger.listInvoices();
  return pending
    .filter((draft) => {
      if (rules.noOpenDiscrepancies && undecided.has(draft.clientId)) return false;
      if (rules.maxChangePercent === undefined) return true;
      const planned = draft.entry.draft as { currency?: unknown; total?: unknown };
      const previous = invoices
        .map((i) => i.invoice)
        .filter((i) => i.clientId === draft.clientId && i.currency === planned.currency && i.period < draft.period)
        .sort((a, b) => (a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : a.number < b.number ? -1 : 1))
        .at(-1);
      if (!previous) return false;
      const change = new Dec(String(planned.total ?? '0')).minus(previous.total).abs();
      return change.lessThanOrEqualTo(previous.total.abs().times(rules.maxChangePercent).dividedBy(100));
    })
    .map((d) => d.clientId);
}

/**
 * The billing team's email that the period's drafts await review: recorded once per period
 * (outbox key `drafts#<period>`) and handed to the invoice workers to send, as the dunning
 * emails are. A re-run finds it recorded and only asks for it to be sent (sent at most once).
 */
async function queueReviewEmail(
  deps: UseCaseDeps<Outbox & ReferenceDataStore, 'artifacts' | 'workQueue'>,
  reference: ReferenceData,
  period: Period,
  waiting: readonly StoredDraft[],
  today: IsoDate,
): Promise<void> {
  const key = `drafts#${period}`;
  if (!(await deps.ledger.getOutbox(key))) {
    const entry = await prepareEmail(deps, {
      key,
      kind: 'drafts_awaiting_review',
      date: today,
      from: reference.settings.msp.email,
      to: reference.settings.reports.recipients,
      content: draftsAwaitingReviewEmail({
        settings: reference.settings,
        period,
        drafts: draftLines(reference, waiting),
      }),
    });
    await deps.ledger.putOutbox(entry);
  }
  await deps.workQueue.send([{ id: `email#${key}`, body: deliverEmailMessage(key) }]);
}

function renderDraftMessage(draft: StoredDraft): RenderDraftMessage {
  return {
    type: 'render_draft',
    period: draft.period,
    clientId: draft.clientId,
    entry: draft.entry,
    status: draft.status === 'held' ? 'held' : 'pending',
    ...(draft.holdReason === undefined ? {} : { holdReason: draft.holdReason }),
  };
}

async function loadReference(deps: UseCaseDeps<ReferenceDataStore>): Promise<ReferenceData> {
  const reference = await deps.ledger.loadReferenceData();
  if (!reference) throw new ReviewError('No reference data imported yet: run `trueup import --data DIR` first');
  return reference;
}

function byNumber(drafts: readonly StoredDraft[]): StoredDraft[] {
  return [...drafts].sort((a, b) =>
    (a.number ?? '') < (b.number ?? '') ? -1 : (a.number ?? '') > (b.number ?? '') ? 1 : 0,
  );
}
