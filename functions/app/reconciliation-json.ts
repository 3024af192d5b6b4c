/**
 * The reconciliation of a period as stored (`reconciliation/<P>.json` in the artifacts
 * bucket): SPEC.md section 9's shape, plus per-pair `agreementId` and `totalCost`, which the
 * invoice workers need and the output writer strips.
 */
import type { Period } from '../domain/dates.js';
import { Dec, decimalText, formatMoney, formatQuantity } from '../domain/money.js';
import type { Discrepancy, PairResult, PairStatus, Reconciliation } from '../domain/reconcile-period.js';
import type { HeldPair } from '../domain/hold-missing-feeds.js';
import type { Agreement } from '../domain/types.js';
import type { FileRecord } from './ports.js';

export interface ReconciliationJson {
  period: Period;
  pairs: Array<{ clientId: string; sku: string; status: PairStatus; contracted: string; used: string; delta: string; amountAtStake: string; currency: string; agreementId?: string; totalCost?: string }>;
  discrepancies: Array<{ id: string; type: string; clientId?: string; sku?: string; vendor?: string; accountId?: string; vendorSku?: string; amountAtStake: string | null; currency: string; detail?: string }>;
  metrics: { pairs: number; discrepancies: number; discrepancyRate: string };
  /** `sha256` (not in SPEC.md's shape, left out of OUT) finds the file's rejected rows for the report. */
  files: Array<{ name: string; format?: string; rowsRead: number; rowsAccepted: number; rowsRejected: number; rowsDuplicate: number; duplicateOf?: string; fileError?: string; sha256?: string }>;
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

export function reconciliationKey(period: Period): string {
  return `reconciliation/${period}.json`;
}

export function toReconciliationJson(reconciliation: Reconciliation, files: readonly FileRecord[]): ReconciliationJson {
  return {
    period: reconciliation.period,
    pairs: reconciliation.pairs.map((p) => ({
      clientId: p.clientId, sku: p.sku, status: p.status,
      contracted: formatQuantity(p.contracted), used: formatQuantity(p.used), delta: formatQuantity(p.delta),
      amountAtStake: formatMoney(p.amountAtStake, p.currency), currency: p.currency,
      agreementId: p.agreement?.agreementId, totalCost: p.totalCost === undefined ? undefined : decimalText(p.totalCost),
    })),
    discrepancies: reconciliation.discrepancies.map(discrepancyJson),
    metrics: { ...reconciliation.metrics, discrepancyRate: decimalText(reconciliation.metrics.discrepancyRate, 4) },
    files: files.map((f) => ({
      name: f.name, format: f.format, rowsRead: f.rowsRead, rowsAccepted: f.rowsAccepted, rowsRejected: f.rowsRejected, rowsDuplicate: f.rowsDuplicate,
      ...(f.duplicateOf !== undefined ? { duplicateOf: f.duplicateOf } : {}), ...(f.fileError !== undefined ? { fileError: f.fileError } : {}),
      sha256: f.sha256,
    })),
  };
}

export function discrepancyJson(d: Discrepancy): ReconciliationJson['discrepancies'][number] {
  return {
    id: d.id, type: d.type, clientId: d.clientId, sku: d.sku, vendor: d.vendor, accountId: d.accountId, vendorSku: d.vendorSku,
    amountAtStake: d.amountAtStake === null ? null : formatMoney(d.amountAtStake, d.currency), currency: d.currency,
    ...(d.detail !== undefined ? { detail: d.detail } : {}),
  };
}

/** The pairs back as domain values, with their agreement lines, for invoicing. */
export function pairsFromJson(json: ReconciliationJson, agreements: readonly Agreement[]): PairResult[] {
  const byId = new Map(agreements.map((a) => [a.agreementId, a]));
  return json.pairs.map((p) => ({
    clientId: p.clientId, sku: p.sku, status: p.status, currency: p.currency,
    contracted: new Dec(p.contracted), used: new Dec(p.used), delta: new Dec(p.delta), amountAtStake: new Dec(p.amountAtStake),
    agreement: p.agreementId === undefined ? undefined : byId.get(p.agreementId),
    totalCost: p.totalCost === undefined ? undefined : new Dec(p.totalCost),
  }));
}

export function discrepanciesFromJson(json: ReconciliationJson): Discrepancy[] {
  return json.discrepancies.map((d) => ({
    ...d, period: json.period, type: d.type as Discrepancy['type'],
    amountAtStake: d.amountAtStake === null ? null : new Dec(d.amountAtStake),
  }));
}
