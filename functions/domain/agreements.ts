/** Which agreement lines apply when (docs/contract.md §2). */
import { firstDay, lastDay, type IsoDate, type Period } from './dates.js';
import type { Agreement } from './billing-types.js';

/** A line is active in P when start_date ≤ P's last day and (no end_date or end_date ≥ P's first day). */
export function isActiveIn(agreement: Pick<Agreement, 'startDate' | 'endDate'>, period: Period): boolean {
  return (
    agreement.startDate <= lastDay(period) && (agreement.endDate === undefined || agreement.endDate >= firstDay(period))
  );
}

/** The days of `period` the line is active, as an inclusive [from, to] range (assumes it is active). */
export function activeRange(agreement: Pick<Agreement, 'startDate' | 'endDate'>, period: Period): [IsoDate, IsoDate] {
  const from = agreement.startDate > firstDay(period) ? agreement.startDate : firstDay(period);
  const end = agreement.endDate;
  const to = end !== undefined && end < lastDay(period) ? end : lastDay(period);
  return [from, to];
}

/** The active lines of a period, keyed by (client, sku); validation guarantees at most one per pair. */
export function activeLinesByPair(agreements: readonly Agreement[], period: Period): Map<string, Agreement> {
  const byPair = new Map<string, Agreement>();
  for (const agreement of agreements) {
    if (isActiveIn(agreement, period)) byPair.set(`${agreement.clientId}\u0000${agreement.sku}`, agreement);
  }
  return byPair;
}
