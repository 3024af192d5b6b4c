/** The discrepancy worker: stores each discrepancy once, by its deterministic id. */
import type { Discrepancy } from '../domain/reconcile-period.js';
import { reviveDiscrepancy } from './codec.js';
import type { UseCaseDeps } from './deps.js';
import type { DiscrepancyStore } from './ports.js';
import type { DiscrepancyMessage } from './messages.js';

export async function storeDiscrepancy(
  deps: UseCaseDeps<DiscrepancyStore>,
  message: DiscrepancyMessage,
): Promise<boolean> {
  const discrepancy = reviveDiscrepancy<Discrepancy>(message.discrepancy);
  return deps.ledger.storeDiscrepancy(discrepancy, message.openedOn);
}
