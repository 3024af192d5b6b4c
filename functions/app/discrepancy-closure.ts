/**
 * Discrepancies closed by the invoice line that carried their amount (docs/charges.md): the
 * billing plan knows, for each true-up and credit line it makes, the discrepancy of the same
 * client, sku and period; a charge made of a discrepancy (`trueup discrepancies bill|credit`)
 * names it. Both ledgers keep a closure apart from the discrepancy and apply it when listing.
 */
import type { DiscrepancyClosure, StoredDiscrepancy } from './ports.js';

/** The discrepancy as its closure leaves it: billed or credited, on that invoice line, by whom. */
export function applyClosure(
  discrepancy: StoredDiscrepancy,
  closure: DiscrepancyClosure | undefined,
): StoredDiscrepancy {
  if (!closure) return discrepancy;
  return {
    ...discrepancy,
    status: closure.status,
    closedOn: closure.on,
    by: closure.by,
    invoiceNumber: closure.invoiceNumber,
    invoiceLine: closure.invoiceLine,
  };
}

/** A status change as both ledgers store it: the day it acknowledges or closes, and who made it. */
export function changeStatus(
  current: StoredDiscrepancy,
  status: StoredDiscrepancy['status'],
  on: string,
  note: string | undefined,
  by: string | undefined,
): StoredDiscrepancy {
  const closes = status === 'resolved' || status === 'dismissed' || status === 'billed' || status === 'credited';
  return {
    ...current,
    status,
    note: note ?? current.note,
    acknowledgedOn: status === 'acknowledged' ? on : current.acknowledgedOn,
    closedOn: closes ? on : current.closedOn,
    ...(by === undefined ? {} : { by }),
  };
}
