/**
 * The AR aging report's metrics (docs/contract.md §8): DSO over the trailing 90 days per currency
 * and each client's average days late over the last 12 months. Rules: see compute-aging.ts.
 *
 * With fewer than 90 days of history (the first invoice was issued less than 90 days before
 * the report date), DSO is taken over the days actually covered, from the first invoice's
 * issue date: AR ÷ invoiced × 90 would count days nobody could have invoiced in and show a
 * young business as 90 days late on every invoice it has. `windowDays` says how many.
 */
import { addDays, daysBetween, type IsoDate } from './dates.js';
import { Dec, ZERO, roundHalfAway } from './money.js';
import type { InvoiceBalance } from './invoice-balance.js';
import { compareText } from './reconcile-period.js';
import type { Client, InvoiceAccount } from './billing-types.js';

export const DSO_WINDOW_DAYS = 90;
export const LATENESS_WINDOW_DAYS = 365;

export interface Dso {
  readonly currency: string;
  readonly receivables: Dec;
  /** Sum of invoice totals issued in `from` … `to`. */
  readonly invoiced: Dec;
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** Days in `from` … `to`: 90, or fewer when the history is shorter. */
  readonly windowDays: number;
  /** Days; absent when nothing was invoiced in the window. */
  readonly days?: Dec;
}

export interface ClientLateness {
  readonly clientId: string;
  readonly clientName: string;
  /** Invoices paid in `from` … `to`. */
  readonly invoicesPaid: number;
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** Absent when no invoice was paid in the window. */
  readonly averageDaysLate?: Dec;
}

/** DSO per currency with receivables or invoicing in asOf − 89 … asOf, by currency. */
export function dsoByCurrency(
  issued: readonly InvoiceAccount[],
  receivables: ReadonlyMap<string, Dec>,
  asOf: IsoDate,
): Dso[] {
  const trailing = addDays(asOf, -(DSO_WINDOW_DAYS - 1));
  const first = issued.reduce<IsoDate | undefined>(
    (min, { invoice }) =>
      invoice.issueDate <= asOf && (min === undefined || invoice.issueDate < min) ? invoice.issueDate : min,
    undefined,
  );
  const from = first !== undefined && first > trailing ? first : trailing;
  const windowDays = daysBetween(from, asOf) + 1;
  const invoiced = new Map<string, Dec>();
  for (const { invoice } of issued) {
    if (invoice.issueDate >= from && invoice.issueDate <= asOf)
      invoiced.set(invoice.currency, (invoiced.get(invoice.currency) ?? ZERO).plus(invoice.total));
  }
  const currencies = [...new Set([...receivables.keys(), ...invoiced.keys()])].sort(compareText);
  return currencies.map((currency): Dso => {
    const ar = receivables.get(currency) ?? ZERO;
    const billed = invoiced.get(currency) ?? ZERO;
    const base = { currency, receivables: ar, invoiced: billed, from, to: asOf, windowDays };
    return billed.greaterThan(0) ? { ...base, days: roundHalfAway(ar.div(billed).times(windowDays), 1) } : base;
  });
}

/** Average days late per client over asOf − 364 … asOf, for every client given or invoiced. */
export function latenessByClient(
  balances: ReadonlyArray<{ readonly account: InvoiceAccount } & Pick<InvoiceBalance, 'paidOn'>>,
  clients: readonly Client[],
  asOf: IsoDate,
): ClientLateness[] {
  const from = addDays(asOf, -(LATENESS_WINDOW_DAYS - 1));
  const names = new Map(clients.map((c) => [c.clientId, c.name]));
  const daysLate = new Map<string, number[]>(clients.map((c) => [c.clientId, []]));
  for (const {
    account: { invoice },
    paidOn,
  } of balances) {
    const list = daysLate.get(invoice.clientId) ?? [];
    daysLate.set(invoice.clientId, list);
    if (invoice.total.lessThanOrEqualTo(0) || paidOn === undefined || paidOn < from || paidOn > asOf) continue;
    list.push(Math.max(0, daysBetween(invoice.dueDate, paidOn)));
  }
  return [...daysLate.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([clientId, list]): ClientLateness => {
      const base = { clientId, clientName: names.get(clientId) ?? '', invoicesPaid: list.length, from, to: asOf };
      if (list.length === 0) return base;
      return { ...base, averageDaysLate: roundHalfAway(new Dec(list.reduce((s, n) => s + n, 0)).div(list.length), 1) };
    });
}
