/**
 * The reconciliation of a period as stored (`reconciliation/<P>.json` in the artifacts
 * bucket): the shape of docs/contract.md §9, plus per-pair `agreementId` and `totalCost`, which the
 * invoice workers need and the output writer strips. Read and written through
 * bucket-layout.ts (readReconciliation, writeReconciliation).
 */
import { Dec, decimalText, formatMoney, formatQuantity } from '../domain/money.js';
import type { Discrepancy, PairResult, Reconciliation } from '../domain/reconcile-period.js';
import type { Agreement } from '../domain/billing-types.js';
import type { ReconciliationJson } from '../domain/reconciliation-shape.js';
import type { FileRecord } from './ports.js';

// The stored shape is the domain's (the reports render it); re-exported for the use cases.
export type { ReconciliationJson, ReleasedHold } from '../domain/reconciliation-shape.js';

export function toReconciliationJson(reconciliation: Reconciliation, files: readonly FileRecord[]): ReconciliationJson {
  return {
    period: reconciliation.period,
    pairs: reconciliation.pairs.map((p) => ({
      clientId: p.clientId,
      sku: p.sku,
      status: p.status,
      contracted: formatQuantity(p.contracted),
      used: formatQuantity(p.used),
      delta: formatQuantity(p.delta),
      amountAtStake: formatMoney(p.amountAtStake, p.currency),
      currency: p.currency,
      agreementId: p.agreement?.agreementId,
      totalCost: p.totalCost === undefined ? undefined : decimalText(p.totalCost),
    })),
    discrepancies: reconciliation.discrepancies.map(discrepancyJson),
    metrics: { ...reconciliation.metrics, discrepancyRate: decimalText(reconciliation.metrics.discrepancyRate, 4) },
    files: files.map((f) => ({
      name: f.name,
      format: f.format,
      rowsRead: f.rowsRead,
      rowsAccepted: f.rowsAccepted,
      rowsRejected: f.rowsRejected,
      rowsDuplicate: f.rowsDuplicate,
      ...(f.duplicateOf !== undefined ? { duplicateOf: f.duplicateOf } : {}),
      ...(f.fileError !== undefined ? { fileError: f.fileError } : {}),
      sha256: f.sha256,
    })),
  };
}

export function discrepancyJson(d: Discrepancy): ReconciliationJson['discrepancies'][number] {
  return {
    id: d.id,
    type: d.type,
    clientId: d.clientId,
    sku: d.sku,
    vendor: d.vendor,
    accountId: d.accountId,
    vendorSku: d.vendorSku,
    amountAtStake: d.amountAtStake === null ? null : formatMoney(d.amountAtStake, d.currency),
    currency: d.currency,
    ...(d.detail !== undefined ? { detail: d.detail } : {}),
  };
}

/** The pairs back as domain values, with their agreement lines, for invoicing. */
export function pairsFromJson(json: ReconciliationJson, agreements: readonly Agreement[]): PairResult[] {
  const byId = new Map(agreements.map((a) => [a.agreementId, a]));
  return json.pairs.map((p) => ({
    clientId: p.clientId,
    sku: p.sku,
    status: p.status,
    currency: p.currency,
    contracted: new Dec(p.contracted),
    used: new Dec(p.used),
    delta: new Dec(p.delta),
    amountAtStake: new Dec(p.amountAtStake),
    agreement: p.agreementId === undefined ? undefined : byId.get(p.agreementId),
    totalCost: p.totalCost === undefined ? undefined : new Dec(p.totalCost),
  }));
}

export function discrepanciesFromJson(json: ReconciliationJson): Discrepancy[] {
  return json.discrepancies.map((d) => ({
    ...d,
    period: json.period,
    type: d.type as Discrepancy['type'],
    amountAtStake: d.amountAtStake === null ? null : new Dec(d.amountAtStake),
  }));
}
