/**
 * `trueup export accounting --period P --format xero-invoices-csv | xero-credit-notes-csv |
 * qbo-invoices-csv | qbo-credit-memos-csv` (docs/accounting.md, "Import files"): the period's
 * invoices or credit notes in the layout Xero's or QuickBooks Online's import takes, and a
 * manifest beside it like the journal's. Read-only and deterministic: the same ledger (and the
 * same options) gives the same bytes.
 */
import { createHash } from 'node:crypto';
import {
  buildImportFile,
  defaultImportOptions,
  type ImportDocument,
  type ImportLayout,
  type ImportOptions,
} from '../domain/books-csv.js';
import type { Period } from '../domain/dates.js';
import { ZERO, formatMoney, type Dec } from '../domain/money.js';
import { DEFAULT_ACCOUNTS } from '../domain/reference/settings.js';
import { csvCell } from '../render/escape.js';
import type { UseCaseDeps } from './deps.js';
import type { CreditNoteBook, InvoiceBook, ReferenceDataStore } from './ports.js';
import { requireReference } from './run-billing.js';

export type ExportBooksCsvDeps = UseCaseDeps<ReferenceDataStore & InvoiceBook & CreditNoteBook>;

export interface ImportManifest {
  readonly period: Period;
  readonly format: ImportLayout;
  /** The invoices (or credit notes) in the file, and its rows (one per line) without the header. */
  readonly documents: number;
  readonly rows: number;
  /** Per currency, the documents' own subtotal, tax and total (positive on credit notes). */
  readonly totals: Record<string, { readonly subtotal: string; readonly tax: string; readonly total: string }>;
  /** How dates are written, and (Xero) the tax rates named. */
  readonly options: ImportOptions;
  /** Of the CSV's bytes (UTF-8). */
  readonly sha256: string;
}

export interface BooksCsvExport {
  readonly documents: readonly ImportDocument[];
  readonly csv: string;
  readonly manifest: ImportManifest;
  /** The manifest as written: two-space JSON and a final newline. */
  readonly manifestJson: string;
}

export async function exportBooksCsv(
  deps: ExportBooksCsvDeps,
  input: { period: Period; format: ImportLayout; options?: Partial<ImportOptions> },
): Promise<BooksCsvExport> {
  const reference = await requireReference(deps);
  const [invoices, creditNotes] = await Promise.all([deps.ledger.listInvoices(), deps.ledger.listCreditNotes()]);
  const options = { ...defaultImportOptions(input.format), ...input.options };
  const file = buildImportFile(
    input.format,
    {
      period: input.period,
      accounts: reference.settings.accounting ?? DEFAULT_ACCOUNTS,
      products: reference.products,
      clients: reference.clients,
      invoices,
      creditNotes,
    },
    options,
  );
  const csv = csvText([file.header, ...file.rows]);
  const manifest: ImportManifest = {
    period: input.period,
    format: input.format,
    documents: file.documents.length,
    rows: file.rows.length,
    totals: totalsOf(file.documents),
    options,
    sha256: createHash('sha256').update(csv, 'utf8').digest('hex'),
  };
  return { documents: file.documents, csv, manifest, manifestJson: `${JSON.stringify(manifest, null, 2)}\n` };
}

/** CRLF lines, RFC 4180 quoting, formula-safe text cells (plain numbers stay numbers), as the journal. */
export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('');
}

function totalsOf(documents: readonly ImportDocument[]): ImportManifest['totals'] {
  const totals = new Map<string, { subtotal: Dec; tax: Dec; total: Dec }>();
  for (const d of documents) {
    const t = totals.get(d.currency) ?? { subtotal: ZERO, tax: ZERO, total: ZERO };
    totals.set(d.currency, {
      subtotal: t.subtotal.plus(d.subtotal),
      tax: t.tax.plus(d.tax),
      total: t.total.plus(d.total),
    });
  }
  const out: Record<string, { subtotal: string; tax: string; total: string }> = {};
  for (const [currency, t] of [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    out[currency] = {
      subtotal: formatMoney(t.subtotal, currency),
      tax: formatMoney(t.tax, currency),
      total: formatMoney(t.total, currency),
    };
  return out;
}
