/**
 * Reconciliation of one period (docs/contract.md §4): every (client, sku) pair gets a status and
 * an amount at stake, and every discrepancy gets a deterministic id.
 */
import { createHash } from 'node:crypto';
import { activeLinesByPair } from './agreements.js';
import type { Period } from './dates.js';
import { Dec, ZERO, decimalText, roundHalfAway, roundMoney } from './money.js';
import { pairKey, type PairUsage, type UnmatchedUsage, type UsageSummary } from './summarize-usage.js';
import type { Agreement, Client, Product, ReferenceData } from './billing-types.js';

export type PairStatus = 'missing_usage' | 'usage_billed' | 'unbilled_usage' | 'match' | 'under_billed' | 'over_billed';

export type DiscrepancyType =
  | Exclude<PairStatus, 'match' | 'usage_billed'>
  | 'negative_margin'
  | 'unknown_account'
  | 'unmapped_sku'
  | 'currency_mismatch'
  | 'unapplied_payment'
  | 'missing_feed'
  | 'payment_failed';

export interface PairResult {
  readonly clientId: string;
  readonly sku: string;
  readonly status: PairStatus;
  readonly contracted: Dec;
  readonly used: Dec;
  readonly delta: Dec;
  readonly amountAtStake: Dec;
  readonly currency: string;
  /** The active agreement line, when there is one. */
  readonly agreement?: Agreement;
  /** The rows' total cost (cost_plus billing and unbilled usage), when any row has one. */
  readonly totalCost?: Dec;
}

export interface Discrepancy {
  readonly id: string;
  readonly period: Period;
  readonly type: DiscrepancyType;
  readonly clientId?: string;
  readonly sku?: string;
  readonly vendor?: string;
  readonly accountId?: string;
  readonly vendorSku?: string;
  /** Null where docs/contract.md §4 leaves the amount open (currency_mismatch: the rows' cost is in another currency). */
  readonly amountAtStake: Dec | null;
  readonly currency: string;
  /** Human detail for reports, e.g. the other currency and its cost. */
  readonly detail?: string;
}

export interface Reconciliation {
  readonly period: Period;
  readonly pairs: readonly PairResult[];
  readonly discrepancies: readonly Discrepancy[];
  readonly metrics: { readonly pairs: number; readonly discrepancies: number; readonly discrepancyRate: Dec };
}

const NOT_DISCREPANCIES: ReadonlySet<PairStatus> = new Set(['match', 'usage_billed']);

export function reconcilePeriod(reference: ReferenceData, usage: UsageSummary): Reconciliation {
  const period = usage.period;
  const clients = new Map(reference.clients.map((c) => [c.clientId, c]));
  const products = new Map(reference.products.map((p) => [p.sku, p]));
  const lines = activeLinesByPair(reference.agreements, period);

  const keys = new Set([...lines.keys(), ...usage.pairs.keys()]);
  const pairs: PairResult[] = [];
  for (const key of keys) {
    const line = lines.get(key);
    const rows = usage.pairs.get(key);
    const clientId = line?.clientId ?? rows?.clientId ?? '';
    const client = clients.get(clientId);
    if (!client) continue; // agreements and accounts are validated against clients on import
    pairs.push(reconcilePair(client, line, rows, products.get(line?.sku ?? rows?.sku ?? '')));
  }
  pairs.sort(byClientThenSku);

  const discrepancies: Discrepancy[] = [];
  for (const pair of pairs)
    discrepancies.push(...pairDiscrepancies(period, pair, usage.pairs.get(pairKey(pair.clientId, pair.sku))));
  const fallback = reference.settings.currency;
  discrepancies.push(
    ...sortedUnmatched(inCurrency(usage.unknownAccounts, fallback)).map((u) =>
      unmatchedDiscrepancy(period, 'unknown_account', u),
    ),
  );
  discrepancies.push(
    ...sortedUnmatched(inCurrency(usage.unmappedSkus, fallback)).map((u) =>
      unmatchedDiscrepancy(period, 'unmapped_sku', u),
    ),
  );
  discrepancies.push(
    ...mismatchesByPair(usage.currencyMismatches).map((group) =>
      mismatchDiscrepancy(period, group, clients.get(group[0]?.clientId ?? '')),
    ),
  );

  return { period, pairs, discrepancies, metrics: metricsOf(pairs, discrepancies.length) };
}

/** the metrics of docs/contract.md §4: the discrepancy rate counts pairs only, rounded to 4 places. */
export function metricsOf(pairs: readonly PairResult[], discrepancies: number): Reconciliation['metrics'] {
  const discrepantPairs = pairs.filter((p) => !NOT_DISCREPANCIES.has(p.status)).length;
  const discrepancyRate = pairs.length === 0 ? ZERO : roundHalfAway(new Dec(discrepantPairs).div(pairs.length), 4);
  return { pairs: pairs.length, discrepancies, discrepancyRate };
}

function reconcilePair(
  client: Client,
  line: Agreement | undefined,
  rows: PairUsage | undefined,
  product: Product | undefined,
): PairResult {
  const contracted = line?.quantity ?? ZERO;
  const used = rows?.used ?? ZERO;
  const delta = used.minus(contracted);
  const hasRows = rows !== undefined && rows.rows > 0;
  const base = {
    clientId: client.clientId,
    sku: line?.sku ?? rows?.sku ?? '',
    contracted,
    used,
    delta,
    currency: client.currency,
    agreement: line,
    totalCost: rows?.totalCost,
  };
  const money = (value: Dec): Dec => roundMoney(value, client.currency);
  if (line && !hasRows && (line.pricing === 'cost_plus' || contracted.greaterThan(0))) {
    const atStake = line.pricing === 'cost_plus' ? ZERO : contracted.times(line.unitPrice);
    return { ...base, status: 'missing_usage', amountAtStake: money(atStake) };
  }
  if (line?.pricing === 'cost_plus') return { ...base, status: 'usage_billed', amountAtStake: money(ZERO) };
  if (!line) {
    const atStake = product?.listPrice !== undefined ? used.times(product.listPrice) : (rows?.totalCost ?? ZERO);
    return { ...base, status: 'unbilled_usage', amountAtStake: money(atStake) };
  }
  if (delta.abs().lessThanOrEqualTo(line.tolerance)) return { ...base, status: 'match', amountAtStake: money(ZERO) };
  if (delta.greaterThan(line.tolerance))
    return { ...base, status: 'under_billed', amountAtStake: money(delta.times(line.unitPrice)) };
  return { ...base, status: 'over_billed', amountAtStake: money(delta.negated().times(line.unitPrice)) };
}

function pairDiscrepancies(period: Period, pair: PairResult, rows: PairUsage | undefined): Discrepancy[] {
  const found: Discrepancy[] = [];
  const ids = { clientId: pair.clientId, sku: pair.sku };
  if (!NOT_DISCREPANCIES.has(pair.status)) {
    const type = pair.status as DiscrepancyType;
    found.push({
      id: discrepancyId(period, type, ids),
      period,
      type,
      ...ids,
      amountAtStake: pair.amountAtStake,
      currency: pair.currency,
    });
  }
  const line = pair.agreement;
  const maxUnitCost = rows?.maxUnitCost;
  if (
    line?.pricing === 'per_unit' &&
    pair.used.greaterThan(0) &&
    maxUnitCost !== undefined &&
    maxUnitCost.greaterThan(line.unitPrice)
  ) {
    const amount = roundMoney(maxUnitCost.minus(line.unitPrice).times(pair.used), pair.currency);
    found.push({
      id: discrepancyId(period, 'negative_margin', ids),
      period,
      type: 'negative_margin',
      ...ids,
      amountAtStake: amount,
      currency: pair.currency,
    });
  }
  return found;
}

/**
 * The unmatched rows grouped by (vendor, key) and their currency, rows without one taking the
 * settings currency (docs/contract.md §4): rows with no currency and rows in the settings
 * currency are one group, whichever files or formats they came from.
 */
function inCurrency(list: readonly UnmatchedUsage[], fallbackCurrency: string): UnmatchedUsage[] {
  const groups = new Map<string, UnmatchedUsage>();
  for (const entry of list) {
    const currency = entry.currency ?? fallbackCurrency;
    const key = `${entry.vendor}\u0000${entry.key}\u0000${currency}`;
    const seen = groups.get(key);
    groups.set(
      key,
      seen
        ? { ...seen, rows: seen.rows + entry.rows, totalCost: seen.totalCost.plus(entry.totalCost) }
        : { ...entry, currency },
    );
  }
  return [...groups.values()];
}

function unmatchedDiscrepancy(
  period: Period,
  type: 'unknown_account' | 'unmapped_sku',
  usage: UnmatchedUsage,
): Discrepancy {
  const currency = usage.currency ?? '';
  const where =
    type === 'unknown_account'
      ? { vendor: usage.vendor, accountId: usage.key }
      : { vendor: usage.vendor, vendorSku: usage.key };
  return {
    id: discrepancyId(period, type, { ...where, currency }),
    period,
    type,
    ...where,
    amountAtStake: roundMoney(usage.totalCost, currency),
    currency,
    detail: rowsText(usage.rows),
  };
}

/** The mismatched rows of each (client, sku), whichever vendors and currencies they came in: one group each. */
function mismatchesByPair(list: readonly UnmatchedUsage[]): UnmatchedUsage[][] {
  const groups = new Map<string, UnmatchedUsage[]>();
  for (const entry of sortedUnmatched(list)) {
    const key = pairKey(entry.clientId ?? '', entry.sku ?? '');
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.values()]; // in the order of their first entry, as when each vendor had its own
}

function pairOf(group: readonly UnmatchedUsage[]): { clientId: string; sku: string } {
  return { clientId: group[0]?.clientId ?? '', sku: group[0]?.sku ?? '' };
}

/**
 * One currency_mismatch for the rows of a (client, sku) left out. Its id and `vendor` name the
 * vendor when the rows came from one, and the id names the rows' currency when they share one:
 * a mismatch of one vendor in one currency keeps the id it always had. It carries the rows'
 * currency, not the client's.
 */
function mismatchDiscrepancy(
  period: Period,
  group: readonly UnmatchedUsage[],
  client: Client | undefined,
): Discrepancy {
  const { clientId, sku } = pairOf(group);
  const vendors = [...new Set(group.map((u) => u.vendor))];
  const byCurrency = new Map<string, { rows: number; cost: Dec }>();
  for (const entry of group) {
    const currency = entry.currency ?? '';
    const seen = byCurrency.get(currency) ?? { rows: 0, cost: ZERO };
    byCurrency.set(currency, { rows: seen.rows + entry.rows, cost: seen.cost.plus(entry.totalCost) });
  }
  const currencies = [...byCurrency.keys()].sort(compareText);
  const vendor = vendors.length === 1 ? { vendor: vendors[0] } : {};
  const rowsCurrency = currencies.length === 1 ? { currency: currencies[0] } : {};
  const costText = (currency: string): string => {
    const { rows, cost } = byCurrency.get(currency) ?? { rows: 0, cost: ZERO };
    return `${rowsText(rows)} in ${currency} costing ${decimalText(cost)} ${currency}`;
  };
  const rows = group.reduce((total, u) => total + u.rows, 0);
  return {
    id: discrepancyId(period, 'currency_mismatch', { clientId, sku, ...vendor, ...rowsCurrency }),
    period,
    type: 'currency_mismatch',
    clientId,
    sku,
    ...vendor,
    amountAtStake: null,
    // The rows' currency, as for unknown accounts and unmapped skus (the first in code-point
    // order when they came in several; `detail` names each).
    currency: currencies[0] || client?.currency || '',
    detail:
      currencies.length === 1
        ? `${costText(currencies[0] ?? '')} left out`
        : `${rowsText(rows)} left out: ${currencies.map(costText).join(', ')}`,
  };
}

function rowsText(rows: number): string {
  return `${rows} row${rows === 1 ? '' : 's'}`;
}

/** Same inputs ⇒ same id: a hash of the period, the type and the business key. */
export function discrepancyId(period: Period, type: string, key: Readonly<Record<string, string | undefined>>): string {
  const parts = [
    period,
    type,
    ...Object.keys(key)
      .sort()
      .map((k) => `${k}=${key[k] ?? ''}`),
  ];
  return `D-${period}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16)}`;
}

function byClientThenSku(a: { clientId: string; sku: string }, b: { clientId: string; sku: string }): number {
  return compareText(a.clientId, b.clientId) || compareText(a.sku, b.sku);
}

function sortedUnmatched(list: readonly UnmatchedUsage[]): UnmatchedUsage[] {
  return [...list].sort(
    (a, b) =>
      compareText(a.vendor, b.vendor) || compareText(a.key, b.key) || compareText(a.currency ?? '', b.currency ?? ''),
  );
}

/** Code-point order, the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
