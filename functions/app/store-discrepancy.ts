/** The discrepancy worker: stores each discrepancy once, by its deterministic id. */
import type { IsoDate } from '../domain/dates.js';
import type { Discrepancy } from '../domain/reconcile-period.js';
import { reviveDiscrepancy } from './codec.js';
import type { Deps } from './deps.js';

export interface DiscrepancyMessage {
  readonly type: 'discrepancy';
  readonly openedOn: IsoDate;
  readonly discrepancy: Record<string, unknown>;
}

export async function storeDiscrepancy(deps: Deps, message: DiscrepancyMessage): Promise<boolean> {
  const discrepancy = reviveDiscrepancy<Discrepancy>(message.discrepancy);
  return deps.ledger.storeDiscrepancy(discrepancy, message.openedOn);
}
