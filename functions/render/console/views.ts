/**
 * The shapes the console's pages show (docs/console.md), declared here so that the render
 * layer needs nothing from the use cases: the ledger's values (functions/app/ports.ts) have
 * these fields, and the console's read models (functions/app/console/read-models.ts) build
 * the rest.
 */
import type { Period } from '../../domain/dates.js';
import type { InvoiceAccount, InvoiceLine, UsageRecord } from '../../domain/billing-types.js';
import type { Dec } from '../../domain/money.js';
import type { Discrepancy } from '../../domain/reconcile-period.js';

export interface AuditEntryView {
  readonly at: string;
  readonly actor: { readonly id: string; readonly via: string };
  readonly action: string;
  readonly subject: string;
  readonly detail?: string;
}

export interface DiscrepancyView extends Discrepancy {
  readonly status: string;
  readonly note?: string;
  readonly by?: string;
  readonly closedOn?: string;
  readonly invoiceNumber?: string;
  readonly invoiceLine?: number;
}

export interface DraftView {
  readonly period: Period;
  readonly clientId: string;
  readonly status: 'pending' | 'held' | 'approved';
  readonly createdOn: string;
  readonly holdReason?: string;
  readonly number?: string;
  readonly by?: string;
}

export interface InvoiceView extends InvoiceAccount {
  readonly disputeReason?: string;
}

export interface ReconciliationView {
  readonly period: Period;
  readonly runDate: string;
  readonly pairs: number;
  readonly discrepancies: number;
  readonly discrepancyRate: string;
  readonly held?: number;
}

export interface PeriodOverview {
  /** Newest period first. */
  readonly reconciliations: readonly ReconciliationView[];
  readonly latest?: ReconciliationView;
  /** The latest reconciliation's pairs held for a feed that did not arrive. */
  readonly held: readonly { readonly vendor: string; readonly clientId: string; readonly sku: string }[];
  readonly draftsAwaiting: readonly DraftView[];
  readonly openDiscrepancies: number;
  /** Open or acknowledged `missing_feed` discrepancies: vendors whose usage did not arrive. */
  readonly missingFeeds: readonly { readonly vendor: string; readonly period: Period; readonly detail?: string }[];
}

/** A usage file as the console lists it, with the period whose report listed it (if any yet). */
export interface UsageFileRow {
  readonly sha256: string;
  readonly name: string;
  readonly format?: string;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
  readonly rowsDuplicate: number;
  readonly duplicateOf?: string;
  readonly fileError?: string;
  readonly ingestedOn: string;
  readonly listedIn?: Period;
}

export type UsageFileState = 'accepted' | 'rejected' | 'duplicate' | 'partly rejected';

export function fileState(f: UsageFileRow): UsageFileState {
  if (f.duplicateOf !== undefined) return 'duplicate';
  if (f.fileError !== undefined || (f.rowsAccepted === 0 && f.rowsRejected > 0)) return 'rejected';
  return f.rowsRejected > 0 ? 'partly rejected' : 'accepted';
}

/** One vendor row behind an invoice line: the normalized record and the file it came from. */
export interface SourceRow {
  readonly record: UsageRecord;
  readonly sha256: string;
  /** The row's quantity in the product's unit (× the SKU mapping's factor). */
  readonly quantity: Dec;
}

/** The lines whose quantity comes from vendor usage, and so can be traced to vendor rows. */
export function traceable(line: InvoiceLine): boolean {
  return (
    (line.kind === 'true_up' || line.kind === 'credit' || line.kind === 'usage') &&
    line.sku !== undefined &&
    line.period !== undefined
  );
}
