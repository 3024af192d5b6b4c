/**
 * The reconciliation of a period as stored (`reconciliation/<P>.json` in the artifacts
 * bucket): the shape of docs/contract.md §9, plus per-pair `agreementId` and `totalCost`, which the
 * invoice workers need and the output writer strips. The use cases write it
 * (functions/app/reconciliation-json.ts), the reports read it.
 */
import type { Period } from './dates.js';
import type { HeldPair } from './hold-missing-feeds.js';
import type { PairStatus } from './reconcile-period.js';

export interface ReconciliationJson {
  period: Period;
  pairs: Array<{
    clientId: string;
    sku: string;
    status: PairStatus;
    contracted: string;
    used: string;
    delta: string;
    amountAtStake: string;
    currency: string;
    agreementId?: string;
    totalCost?: string;
  }>;
  discrepancies: Array<{
    id: string;
    type: string;
    clientId?: string;
    sku?: string;
    vendor?: string;
    accountId?: string;
    vendorSku?: string;
    amountAtStake: string | null;
    currency: string;
    detail?: string;
  }>;
  metrics: { pairs: number; discrepancies: number; discrepancyRate: string };
  /** `sha256` (not in the shape of docs/contract.md §9, left out of OUT) finds the file's rejected rows for the report. */
  files: Array<{
    name: string;
    format?: string;
    rowsRead: number;
    rowsAccepted: number;
    rowsRejected: number;
    rowsDuplicate: number;
    duplicateOf?: string;
    fileError?: string;
    sha256?: string;
  }>;
  /** Pairs held for a missing feed (not in `pairs`); only when there are any. */
  held?: HeldPair[];
  /** Pairs of earlier periods released by this run, their feed having arrived; only when there are any. */
  released?: ReleasedHold[];
}

export interface ReleasedHold {
  period: Period;
  vendor: string;
  pairs: ReconciliationJson['pairs'];
  discrepancies: ReconciliationJson['discrepancies'];
}
