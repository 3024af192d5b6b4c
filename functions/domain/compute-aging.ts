/**
 * The AR aging report (docs/contract.md §8): per client and currency, open balances by days past
 * due as of the report date, grand totals per currency, DSO and each client's average days late.
 *
 * Rules where the contract is silent:
 * - Open balance = balance as of `asOf` (payments received on or before it) when > 0; invoices
 *   issued after `asOf` do not exist yet; credit balances (≤ 0) are not receivables and are left
 *   out (they do not offset other invoices). Disputed invoices and clients with dunning `none`
 *   are still receivables.
 * - days past due = asOf − due date: `current` ≤ 0, `1-30`, `31-60`, `61-90`, `90+` ≥ 91.
 * - DSO per currency = AR ÷ amount invoiced × 90, where AR is that currency's open balances and
 *   amount invoiced is the sum of the totals (credit notes included) of the invoices issued in
 *   the 90 days asOf − 89 … asOf inclusive; rounded half away from zero to 1 decimal; absent
 *   when nothing (or a net credit) was invoiced in those days. With less history (the first
 *   invoice issued after asOf − 89), the window starts at that first issue date and × 90
 *   becomes × the days it covers (aging-metrics.ts).
 * - Average days late per client = mean of max(0, paid date − due date) over the client's
 *   invoices (total > 0) whose paid date (invoiceBalance as of asOf) falls in the 365 days
 *   asOf − 364 … asOf inclusive; rounded half away from zero to 1 decimal; absent when none.
 * - Rows only for clients with an open balance, by client id then currency; totals by currency.
 *   An invoice whose client is not in `clients` still counts, with an empty client name.
 */
import { AGING_BUCKETS, agingBucket, type AgingAmounts, type AgingBucket } from './aging-buckets.js';
import { dsoByCurrency, latenessByClient, type ClientLateness, type Dso } from './aging-metrics.js';
import { addMonths, daysBetween, daysInMonth, periodOf, type IsoDate } from './dates.js';
import { ZERO, type Dec } from './money.js';
import { invoiceBalance } from './invoice-balance.js';
import { compareText } from './reconcile-period.js';
import type { Client, InvoiceAccount } from './billing-types.js';

export { AGING_BUCKETS, agingBucket, type AgingAmounts, type AgingBucket } from './aging-buckets.js';
export type { ClientLateness, Dso } from './aging-metrics.js';

export interface AgingRow {
  readonly clientId: string;
  readonly clientName: string;
  readonly currency: string;
  readonly buckets: AgingAmounts;
  readonly total: Dec;
}

export interface AgingTotal {
  readonly currency: string;
  readonly buckets: AgingAmounts;
  readonly total: Dec;
}

export interface AgingReport {
  readonly asOf: IsoDate;
  readonly rows: AgingRow[];
  readonly totals: AgingTotal[];
  readonly dso: Dso[];
  /** One per client in `clients` (and any other client with an invoice), by client id. */
  readonly lateness: ClientLateness[];
}

export interface AgingInput {
  readonly asOf: IsoDate;
  readonly clients: readonly Client[];
  readonly invoices: readonly InvoiceAccount[];
}

const emptyBuckets = (): Record<AgingBucket, Dec> => ({
  current: ZERO,
  '1-30': ZERO,
  '31-60': ZERO,
  '61-90': ZERO,
  '90+': ZERO,
});

export function computeAging(input: AgingInput): AgingReport {
  const { asOf } = input;
  const names = new Map(input.clients.map((c) => [c.clientId, c.name]));
  const issued = input.invoices.filter((a) => a.invoice.issueDate <= asOf);
  const balances = issued.map((account) => ({ account, ...invoiceBalance(account, asOf) }));

  const rows = new Map<string, { clientId: string; currency: string; buckets: Record<AgingBucket, Dec> }>();
  const totals = new Map<string, Record<AgingBucket, Dec>>();
  for (const {
    account: { invoice },
    balance,
  } of balances) {
    if (balance.lessThanOrEqualTo(0)) continue;
    const bucket = agingBucket(daysBetween(invoice.dueDate, asOf));
    const key = `${invoice.clientId}\u0000${invoice.currency}`;
    const row = rows.get(key) ?? { clientId: invoice.clientId, currency: invoice.currency, buckets: emptyBuckets() };
    row.buckets[bucket] = row.buckets[bucket].plus(balance);
    rows.set(key, row);
    const total = totals.get(invoice.currency) ?? emptyBuckets();
    total[bucket] = total[bucket].plus(balance);
    totals.set(invoice.currency, total);
  }
  const sumOf = (buckets: AgingAmounts): Dec => AGING_BUCKETS.reduce((s, b) => s.plus(buckets[b]), ZERO);

  const receivables = new Map([...totals.entries()].map(([currency, buckets]) => [currency, sumOf(buckets)]));
  const dso = dsoByCurrency(issued, receivables, asOf);
  const lateness = latenessByClient(balances, input.clients, asOf);

  return {
    asOf,
    rows: [...rows.values()]
      .sort((a, b) => compareText(a.clientId, b.clientId) || compareText(a.currency, b.currency))
      .map((r) => ({
        clientId: r.clientId,
        clientName: names.get(r.clientId) ?? '',
        currency: r.currency,
        buckets: r.buckets,
        total: sumOf(r.buckets),
      })),
    totals: [...totals.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([currency, buckets]) => ({ currency, buckets, total: sumOf(buckets) })),
    dso,
    lateness,
  };
}

/**
 * DSO's trend: the report's DSO as of `asOf` and of the same day 1…`points − 1` months
 * before (clamped to the month's end), oldest first. Each point sees only the invoices issued
 * and the payments received by its date, exactly as that day's report did.
 */
export function dsoTrend(input: AgingInput, points = 6): { asOf: IsoDate; dso: Dso[] }[] {
  const out: { asOf: IsoDate; dso: Dso[] }[] = [];
  for (let k = points - 1; k >= 0; k -= 1) {
    const asOf = sameDayMonthsBefore(input.asOf, k);
    out.push({ asOf, dso: computeAging({ ...input, asOf }).dso });
  }
  return out;
}

function sameDayMonthsBefore(date: IsoDate, months: number): IsoDate {
  const period = addMonths(periodOf(date), -months);
  const [year, month] = period.split('-').map(Number) as [number, number];
  const day = Math.min(Number(date.slice(8, 10)), daysInMonth(year, month));
  return `${period}-${String(day).padStart(2, '0')}`;
}
