/**
 * `trueup export accounting --period P --format journal-csv` (docs/accounting.md): the period's
 * double-entry journal as a CSV and its manifest. Read-only and deterministic: the same ledger
 * gives the same bytes, however often the period is exported.
 *
 * Where the money comes from: invoices and their applied entries (InvoiceBook.listInvoices),
 * credit notes (CreditNoteBook.listCreditNotes) and the payments whose outcome is recorded
 * (PaymentBook.recordedPayments). A payment's unapplied part is its amount less what its
 * invoice took, exact and dated by its received_on; the `unapplied_payment` discrepancies say
 * the same but carry only the month, so they are not read.
 */
import { createHash } from 'node:crypto';
import {
  buildJournal,
  journalTotals,
  unpostedFees,
  type JournalDocumentType,
  type JournalEntry,
  type UnpostedFee,
} from '../domain/journal.js';
import type { Period } from '../domain/dates.js';
import { formatMoney } from '../domain/money.js';
import { DEFAULT_ACCOUNTS } from '../domain/reference/settings.js';
import { csvCell } from '../render/escape.js';
import type { UseCaseDeps } from './deps.js';
import type { CreditNoteBook, InvoiceBook, PaymentBook, ReferenceDataStore } from './ports.js';
import { requireReference } from './run-billing.js';

export type ExportJournalDeps = UseCaseDeps<ReferenceDataStore & InvoiceBook & CreditNoteBook & PaymentBook>;

export const JOURNAL_CSV_HEADER = [
  'entry_id',
  'date',
  'document_type',
  'document_number',
  'client_id',
  'currency',
  'account',
  'debit',
  'credit',
  'memo',
] as const;

export interface JournalManifest {
  readonly period: Period;
  readonly format: 'journal-csv';
  readonly entries: number;
  /** How many documents of each type the journal posts. */
  readonly documents: Record<JournalDocumentType, number>;
  /** Per currency, exact decimals with the currency's minor digits. */
  readonly totals: Record<string, { readonly debit: string; readonly credit: string }>;
  /** Of the CSV's bytes (UTF-8). */
  readonly sha256: string;
  /**
   * Provider fees of the period's payments the journal does not post (in the provider's
   * settlement currency, not the payment's): only when there are any.
   */
  readonly feesNotPosted?: readonly {
    readonly payment: string;
    readonly date: string;
    readonly fee: string;
    readonly currency: string;
    readonly paymentCurrency: string;
  }[];
}

export interface JournalExport {
  readonly entries: readonly JournalEntry[];
  readonly csv: string;
  readonly manifest: JournalManifest;
  /** The manifest as written: two-space JSON and a final newline. */
  readonly manifestJson: string;
}

export async function exportJournal(deps: ExportJournalDeps, input: { period: Period }): Promise<JournalExport> {
  const reference = await requireReference(deps);
  const [invoices, creditNotes, payments] = await Promise.all([
    deps.ledger.listInvoices(),
    deps.ledger.listCreditNotes(),
    deps.ledger.recordedPayments(),
  ]);
  const entries = buildJournal({
    period: input.period,
    accounts: reference.settings.accounting ?? DEFAULT_ACCOUNTS,
    products: reference.products,
    invoices,
    creditNotes,
    payments,
    clients: reference.clients,
  });
  const csv = journalCsv(entries);
  const manifest = journalManifest(input.period, entries, csv, unpostedFees({ period: input.period, payments }));
  return { entries, csv, manifest, manifestJson: `${JSON.stringify(manifest, null, 2)}\n` };
}

/** CRLF lines, RFC 4180 quoting, formula-safe text cells; amounts with the currency's minor digits. */
export function journalCsv(entries: readonly JournalEntry[]): string {
  const rows = entries.map((e) => [
    csvCell(e.entryId),
    e.date,
    e.documentType,
    csvCell(e.documentNumber),
    csvCell(e.clientId),
    csvCell(e.currency),
    csvCell(e.account),
    formatMoney(e.debit, e.currency),
    formatMoney(e.credit, e.currency),
    csvCell(e.memo),
  ]);
  return [[...JOURNAL_CSV_HEADER], ...rows].map((cells) => `${cells.join(',')}\r\n`).join('');
}

export function journalManifest(
  period: Period,
  entries: readonly JournalEntry[],
  csv: string,
  notPosted: readonly UnpostedFee[] = [],
): JournalManifest {
  const documents: Record<JournalDocumentType, number> = { invoice: 0, credit_note: 0, payment: 0, refund: 0 };
  const seen = new Set<string>();
  for (const e of entries) {
    const key = `${e.documentType}/${e.documentNumber}`;
    if (seen.has(key)) continue;
    seen.add(key);
    documents[e.documentType] += 1;
  }
  const totals: Record<string, { debit: string; credit: string }> = {};
  for (const [currency, t] of journalTotals(entries))
    totals[currency] = { debit: formatMoney(t.debit, currency), credit: formatMoney(t.credit, currency) };
  return {
    period,
    format: 'journal-csv',
    entries: entries.length,
    documents,
    totals,
    sha256: createHash('sha256').update(csv, 'utf8').digest('hex'),
    ...(notPosted.length > 0
      ? {
          feesNotPosted: notPosted.map((f) => ({
            payment: f.paymentId,
            date: f.date,
            fee: formatMoney(f.fee, f.currency),
            currency: f.currency,
            paymentCurrency: f.paymentCurrency,
          })),
        }
      : {}),
  };
}
