/**
 * What the console's pages read (docs/console.md), gathered from the ledger and the artifacts
 * bucket through the same ports the use cases use: nothing here writes.
 */
import type { Invoice, InvoiceLine, ReferenceData } from '../../domain/billing-types.js';
import {
  normalizedPrefix,
  parsePartKey,
  readReconciliation,
  readSeal,
  rejectedKey,
  sealKey,
} from '../bucket-layout.js';
import type { Deps } from '../deps.js';
import { decodeRecord } from '../usage-records.js';
import { traceable, type PeriodOverview, type SourceRow, type UsageFileRow } from '../../render/console/views.js';

export async function periodOverview(deps: Deps): Promise<PeriodOverview> {
  const [recent, drafts, discrepancies] = await Promise.all([
    deps.ledger.recentReconciliations(12),
    deps.ledger.listDrafts(),
    deps.ledger.listDiscrepancies(),
  ]);
  const reconciliations = [...recent].sort((a, b) => (a.period < b.period ? 1 : a.period > b.period ? -1 : 0));
  const latest = reconciliations[0];
  const json = latest ? await readReconciliation(deps.artifacts, latest.key) : undefined;
  return {
    reconciliations,
    held: json?.held ?? [],
    ...(latest ? { latest } : {}),
    draftsAwaiting: drafts.filter((d) => d.status !== 'approved'),
    openDiscrepancies: discrepancies.filter((d) => d.status === 'open').length,
    missingFeeds: discrepancies
      .filter((d) => d.type === 'missing_feed' && (d.status === 'open' || d.status === 'acknowledged'))
      .map((d) => ({ vendor: d.vendor ?? '?', period: d.period, ...(d.detail ? { detail: d.detail } : {}) })),
  };
}

/**
 * Every usage file: those the reconciliation reports listed (each period's reconciliation
 * JSON names its files) and those not reported yet, newest first.
 */
export async function usageFiles(deps: Deps): Promise<UsageFileRow[]> {
  const records = await deps.ledger.recentReconciliations(120);
  const rows: UsageFileRow[] = [];
  for (const record of records) {
    const json = await readReconciliation(deps.artifacts, record.key);
    for (const f of json?.files ?? [])
      rows.push({
        sha256: f.sha256 ?? '',
        name: f.name,
        ...(f.format ? { format: f.format } : {}),
        rowsRead: f.rowsRead,
        rowsAccepted: f.rowsAccepted,
        rowsRejected: f.rowsRejected,
        rowsDuplicate: f.rowsDuplicate,
        ...(f.duplicateOf ? { duplicateOf: f.duplicateOf } : {}),
        ...(f.fileError ? { fileError: f.fileError } : {}),
        ingestedOn: record.runDate,
        listedIn: record.period,
      });
  }
  const unreported = await deps.ledger.unreportedFiles();
  return [...unreported, ...rows];
}

/** The rejected rows of a file (`line,field,reason,…` CSV as the ingest stored it), as text; undefined when none. */
export async function rejectedRows(deps: Deps, sha256: string, name: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  const bytes = await deps.usage.get(rejectedKey(sha256, name));
  return bytes ? new TextDecoder().decode(bytes) : undefined;
}

/**
 * The vendor rows behind an invoice line: the period's normalized usage (sealed parts only,
 * as billing reads it) whose account belongs to the invoice's client and whose vendor sku
 * maps to the line's sku. At most `limit` rows; `total` counts them all.
 */
export async function sourceRows(
  deps: Deps,
  reference: ReferenceData,
  invoice: Invoice,
  line: InvoiceLine,
  limit = 1000,
): Promise<{ rows: SourceRow[]; total: number }> {
  const rows: SourceRow[] = [];
  let total = 0;
  if (!traceable(line)) return { rows, total };
  const period = line.period!;
  const accounts = new Set(
    reference.accounts.filter((a) => a.clientId === invoice.clientId).map((a) => `${a.vendor}\u0000${a.accountId}`),
  );
  const exact = new Map(
    reference.skuMap.filter((m) => m.vendorSku !== '*').map((m) => [`${m.vendor}\u0000${m.vendorSku}`, m]),
  );
  const wildcard = new Map(reference.skuMap.filter((m) => m.vendorSku === '*').map((m) => [m.vendor, m]));
  const prefix = normalizedPrefix(period);
  const seals = new Map<string, number>();
  for (const key of await deps.artifacts.list(prefix)) {
    const part = parsePartKey(key, prefix);
    if (!part) continue;
    if (!seals.has(part.sha256))
      seals.set(part.sha256, (await readSeal(deps.artifacts, sealKey(period, part.sha256)))?.records ?? 0);
    if (part.part >= (seals.get(part.sha256) ?? 0)) continue; // unsealed: not billed either
    const body = await deps.artifacts.get(key);
    if (!body) continue;
    for (const text of new TextDecoder().decode(body).split('\n')) {
      if (!text) continue;
      const record = decodeRecord(text);
      if (record.period !== period || !accounts.has(`${record.vendor}\u0000${record.accountId}`)) continue;
      const mapping = exact.get(`${record.vendor}\u0000${record.vendorSku}`) ?? wildcard.get(record.vendor);
      if (!mapping || mapping.sku !== line.sku) continue;
      total += 1;
      if (rows.length < limit)
        rows.push({ record, sha256: part.sha256, quantity: record.quantity.times(mapping.factor) });
    }
  }
  return { rows, total };
}
