/**
 * The daily dunning decision (docs/contract.md §7). Pure: given today, the steps, the clients, the
 * invoices with their payments and what was already sent or charged, it returns the emails to
 * send; `dunningRecords` turns them into what must be stored with them.
 *
 * Rules where the contract is silent:
 * - Steps are ordered by `offsetDays` (ties keep their configured order); "later" means later
 *   in that order. A sent step name that is no longer configured is ignored.
 * - The balance is as of today: payments received today are already applied.
 * - An invoice is dunned from the day after its issue date; one disputed on or before today is
 *   not dunned; one whose client is unknown or has dunning `none` is not dunned.
 * - The balance is money: it is rounded to the invoice currency's minor unit before anything is
 *   compared or computed with it, so a balance that rounds to 0 (a sub-cent remainder of a
 *   payment) is never dunned and never charged a fee.
 * - Late fee: when the send reaches a step with `lateFee` for the first time (the step sent
 *   now is, or comes after, a fee step that no earlier send reached), and no fee was charged
 *   for the invoice yet, a fee is charged now on the terms of the fee step with the largest
 *   offsetDays among those it reaches (a catch-up may reach several; among steps with equal
 *   offsetDays, the one the ladder orders last, as for the applicable step):
 *   max(round(balance × percent ÷ 100), minimum), rounded to the invoice currency's minor
 *   unit. The fee is recorded against the step sent now; one fee per invoice, ever.
 * - A fee that comes to 0 (percent and minimum 0, or a balance too small) is not charged: no
 *   late_fee line, no mention in the email, and the invoice is not marked as charged, so a
 *   later fee step, reached by a later send, may still charge one on its own terms. A later
 *   send that reaches no new fee step charges nothing, even if the balance has grown since
 *   (a refund): the fee step's first time has passed.
 * - Emails are ordered by client id, items by invoice number (code-point order).
 */
import { daysBetween, type IsoDate } from './dates.js';
import { roundMoney, type Dec } from './money.js';
import { invoiceBalance } from './invoice-balance.js';
import { compareText } from './reconcile-period.js';
import type { Client, DunningStep, InvoiceAccount, LateFee } from './billing-types.js';

export interface DunningItem {
  readonly invoiceNumber: string;
  readonly step: string;
  /** Balance as of today, in the invoice currency. */
  readonly balance: Dec;
  readonly currency: string;
  readonly dueDate: IsoDate;
  /** today − due date (negative before the due date). */
  readonly daysOverdue: number;
  /** The late fee charged with this step, if any. */
  readonly lateFee?: Dec;
  /** The terms the fee was computed with (percent of `balance`, minimum), when one is charged. */
  readonly lateFeeTerms?: NonNullable<DunningStep['lateFee']>;
}

export interface DunningEmail {
  readonly clientId: string;
  readonly to: string[];
  readonly items: DunningItem[];
}

export interface DunningInput {
  readonly today: IsoDate;
  readonly steps: readonly DunningStep[];
  readonly clients: readonly Client[];
  readonly invoices: readonly InvoiceAccount[];
  /** Invoice number → names of the steps already sent for it. */
  readonly sentSteps: ReadonlyMap<string, ReadonlySet<string>>;
  /** Invoice numbers that were already charged a late fee. */
  readonly lateFeeCharged: ReadonlySet<string>;
}

export interface DunningDecision {
  readonly emails: DunningEmail[];
}

/** The steps in dunning order: by offsetDays, ties in configured order. */
export function orderedSteps(steps: readonly DunningStep[]): DunningStep[] {
  return steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.offsetDays - b.step.offsetDays || a.index - b.index)
    .map((s) => s.step);
}

/** Index (in `ordered`) of the step with the largest offsetDays ≤ days, or −1 when none applies yet. */
export function applicableStepIndex(ordered: readonly DunningStep[], days: number): number {
  let found = -1;
  ordered.forEach((step, index) => {
    if (step.offsetDays <= days) found = index;
  });
  return found;
}

/**
 * The late fee terms of a send whose applicable step is `ordered[index]`, when the furthest
 * step sent before is `ordered[lastSent]` (−1 for none): those of the last fee-bearing step
 * the send reaches for the first time, i.e. the largest offsetDays among them (ties: the one
 * ordered last). Undefined when the send newly reaches no fee step: a fee step reached by an
 * earlier send had its first time then.
 */
export function lateFeeTerms(ordered: readonly DunningStep[], index: number, lastSent = -1): DunningStep['lateFee'] {
  for (let i = Math.min(index, ordered.length - 1); i > lastSent; i--) {
    const terms = ordered[i]?.lateFee;
    if (terms) return terms;
  }
  return undefined;
}

/** The index in `ordered` of the furthest step already sent, −1 when none. */
function lastSentIndex(ordered: readonly DunningStep[], sent: ReadonlySet<string> | undefined): number {
  if (!sent) return -1;
  let last = -1;
  ordered.forEach((step, index) => {
    if (sent.has(step.name)) last = index;
  });
  return last;
}

export function lateFeeAmount(balance: Dec, terms: NonNullable<DunningStep['lateFee']>, currency: string): Dec {
  const fee = roundMoney(balance.times(terms.percent).div(100), currency);
  return roundMoney(fee.greaterThan(terms.minimum) ? fee : terms.minimum, currency);
}

export function decideDunning(input: DunningInput): DunningDecision {
  const { today } = input;
  const steps = orderedSteps(input.steps);
  const clients = new Map(input.clients.map((c) => [c.clientId, c]));
  const byClient = new Map<string, DunningItem[]>();

  for (const account of input.invoices) {
    const { invoice } = account;
    const client = clients.get(invoice.clientId);
    if (!client || client.dunning !== 'standard') continue;
    if (invoice.issueDate >= today || invoice.total.lessThanOrEqualTo(0)) continue;
    if (account.disputedOn !== undefined && account.disputedOn <= today) continue;
    const balance = roundMoney(invoiceBalance(account, today).balance, invoice.currency);
    if (balance.lessThanOrEqualTo(0)) continue;

    const days = daysBetween(invoice.dueDate, today);
    const index = applicableStepIndex(steps, days);
    const step = steps[index];
    if (!step) continue;
    const sent = input.sentSteps.get(invoice.number);
    if (sent && steps.slice(index).some((s) => sent.has(s.name))) continue;

    const terms = input.lateFeeCharged.has(invoice.number)
      ? undefined
      : lateFeeTerms(steps, index, lastSentIndex(steps, sent));
    const fee = terms ? lateFeeAmount(balance, terms, invoice.currency) : undefined;
    const lateFee = fee?.greaterThan(0) ? fee : undefined;
    const item: DunningItem = {
      invoiceNumber: invoice.number,
      step: step.name,
      balance,
      currency: invoice.currency,
      dueDate: invoice.dueDate,
      daysOverdue: days,
      ...(lateFee && terms ? { lateFee, lateFeeTerms: terms } : {}),
    };
    const items = byClient.get(client.clientId) ?? [];
    items.push(item);
    byClient.set(client.clientId, items);
  }

  const emails = [...byClient.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([clientId, items]) => ({
      clientId,
      to: [...(clients.get(clientId)?.billingEmails ?? [])],
      items: items.sort((a, b) => compareText(a.invoiceNumber, b.invoiceNumber)),
    }));
  return { emails };
}

export interface DunningRecords {
  /** One per item: the step now sent for the invoice. */
  readonly stepsSent: Array<{ readonly clientId: string; readonly invoiceNumber: string; readonly step: string }>;
  /** The late fees charged today, for the clients' next invoices. */
  readonly lateFees: LateFee[];
}

/** What must be stored with the emails, so no step is sent twice and no fee charged twice. */
export function dunningRecords(decision: DunningDecision, today: IsoDate): DunningRecords {
  const stepsSent: DunningRecords['stepsSent'] = [];
  const lateFees: LateFee[] = [];
  for (const email of decision.emails) {
    for (const item of email.items) {
      stepsSent.push({ clientId: email.clientId, invoiceNumber: item.invoiceNumber, step: item.step });
      if (item.lateFee) {
        lateFees.push({
          invoiceNumber: item.invoiceNumber,
          clientId: email.clientId,
          currency: item.currency,
          amount: item.lateFee,
          step: item.step,
          chargedOn: today,
        });
      }
    }
  }
  return { stepsSent, lateFees };
}
