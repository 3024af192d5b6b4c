/**
 * The import files of a period (docs/accounting.md, "Import files"): the invoices and credit
 * notes dated in the period, one row per line, in the column layouts of Xero's and QuickBooks
 * Online's own import templates, for MSPs who import instead of connecting. Pure: the caller
 * reads the ledger and writes the CSV.
 *
 * TrueUp's amounts are authoritative. Each line keeps TrueUp's amount; its quantity and unit
 * price are written as they are only when they multiply to that amount exactly (else quantity 1
 * at the amount, the two kept in the description). Each line carries its share of the
 * document's tax (its taxable amount's share, rounded to the currency; the remainder on the last
 * taxable line), so the lines' tax sums to the document's tax to the cent.
 */
import { firstDay, lastDay, type IsoDate, type Period } from './dates.js';
import { Dec, ZERO, decimalText, formatMoney, formatQuantity, roundMoney, sum } from './money.js';
import { incomeAccounts, lineAccount } from './journal.js';
import type {
  AccountingSettings,
  Client,
  CreditNote,
  CreditNoteLine,
  Invoice,
  InvoiceAccount,
  InvoiceLine,
  Product,
} from './billing-types.js';

export const IMPORT_LAYOUTS = [
  'xero-invoices-csv',
  'xero-credit-notes-csv',
  'qbo-invoices-csv',
  'qbo-credit-memos-csv',
] as const;
export type ImportLayout = (typeof IMPORT_LAYOUTS)[number];

export const IMPORT_DATE_FORMATS = ['dd/mm/yyyy', 'mm/dd/yyyy', 'yyyy-mm-dd'] as const;
export type ImportDateFormat = (typeof IMPORT_DATE_FORMATS)[number];

export interface ImportOptions {
  /** As the organisation's import screen reads dates (Xero: its region's; QuickBooks: the one picked). */
  readonly dateFormat: ImportDateFormat;
  /** Xero: the tax rate, as Xero names it, of the lines of a taxed document that are taxable. */
  readonly taxType: string;
  /** Xero: the tax rate of every other line (not taxable, or a document without tax). */
  readonly exemptTaxType: string;
}

/** Xero's template asks for DD/MM/YYYY; QuickBooks Online's US import for MM/DD/YYYY. */
export function defaultImportOptions(layout: ImportLayout): ImportOptions {
  return {
    dateFormat: layout.startsWith('xero') ? 'dd/mm/yyyy' : 'mm/dd/yyyy',
    taxType: 'Tax on Sales',
    exemptTaxType: 'Tax Exempt',
  };
}

export interface ImportInput {
  /** Invoices and credit notes issued in this period are written. */
  readonly period: Period;
  readonly accounts: AccountingSettings;
  readonly products: readonly Product[];
  readonly clients: readonly Client[];
  readonly invoices: readonly InvoiceAccount[];
  readonly creditNotes: readonly CreditNote[];
}

/** One line as the books get it (amounts positive on a credit note, as TrueUp issued it). */
export interface ImportLine {
  readonly description: string;
  readonly quantity: Dec;
  readonly unitPrice: Dec;
  readonly amount: Dec;
  /** As the chart of accounts names it (`4100 Licensing`). */
  readonly account: string;
  readonly taxable: boolean;
  /** Its share of the document's tax. */
  readonly tax: Dec;
  readonly servicePeriod?: Period;
}

export interface ImportDocument {
  readonly kind: 'invoice' | 'credit_note';
  readonly number: string;
  readonly date: IsoDate;
  /** An invoice's due date; a credit note's own date. */
  readonly dueDate: IsoDate;
  readonly clientId: string;
  /** The client as clients.csv has it now; absent when it is no longer there. */
  readonly client?: Client;
  readonly currency: string;
  /** Xero's Reference: the client's PO number on an invoice, the invoice credited on a credit note. */
  readonly reference: string;
  readonly memo: string;
  readonly lines: readonly ImportLine[];
  readonly subtotal: Dec;
  readonly tax: Dec;
  readonly total: Dec;
}

export interface ImportFile {
  readonly header: readonly string[];
  /** Cells as text, not yet escaped (the writer makes them RFC 4180 and formula-safe). */
  readonly rows: readonly (readonly string[])[];
  readonly documents: readonly ImportDocument[];
}

/** A document the layout cannot carry (QuickBooks numbers are at most 21 characters). */
export class ImportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportRefused';
  }
}

/** Xero's "Sales invoice" import template, column for column (required ones starred, as Xero writes them). */
export const XERO_HEADER = [
  '*ContactName',
  'EmailAddress',
  'POAddressLine1',
  'POAddressLine2',
  'POAddressLine3',
  'POAddressLine4',
  'POCity',
  'PORegion',
  'POPostalCode',
  'POCountry',
  '*InvoiceNumber',
  'Reference',
  '*InvoiceDate',
  '*DueDate',
  'Total',
  'InventoryItemCode',
  '*Description',
  '*Quantity',
  '*UnitAmount',
  'Discount',
  '*AccountCode',
  '*TaxType',
  'TaxAmount',
  'TrackingName1',
  'TrackingOption1',
  'TrackingName2',
  'TrackingOption2',
  'Currency',
  'BrandingTheme',
] as const;

/** QuickBooks Online's invoice import (Settings ▸ Import data ▸ Invoices), its default column names. */
export const QBO_INVOICE_HEADER = [
  'InvoiceNo',
  'Customer',
  'InvoiceDate',
  'DueDate',
  'Terms',
  'Location',
  'Memo',
  'Item(Product/Service)',
  'ItemDescription',
  'ItemQuantity',
  'ItemRate',
  'ItemAmount',
  'Taxable',
  'TaxRate',
  'ItemTaxAmount',
  'Service Date',
  'Currency',
] as const;

/** The credit memo import: the invoice's columns without due date and terms. */
export const QBO_CREDIT_MEMO_HEADER = [
  'CreditMemoNo',
  'Customer',
  'CreditMemoDate',
  'Location',
  'Memo',
  'Item(Product/Service)',
  'ItemDescription',
  'ItemQuantity',
  'ItemRate',
  'ItemAmount',
  'Taxable',
  'TaxRate',
  'ItemTaxAmount',
  'Service Date',
  'Currency',
] as const;

const ONE = new Dec(1);

/** QuickBooks Online's DocNumber holds at most 21 characters. */
export const QBO_NUMBER_LIMIT = 21;

export function buildImportFile(layout: ImportLayout, input: ImportInput, options: ImportOptions): ImportFile {
  const documents =
    layout.endsWith('credit-notes-csv') || layout.endsWith('credit-memos-csv')
      ? creditNoteDocuments(input)
      : invoiceDocuments(input);
  if (layout.startsWith('qbo')) refuseLongNumbers(documents);
  const header = headerOf(layout);
  const rows = documents.flatMap((doc) =>
    doc.lines.map((line) =>
      layout.startsWith('xero') ? xeroRow(doc, line, options) : qboRow(layout, doc, line, options),
    ),
  );
  return { header, rows, documents };
}

function headerOf(layout: ImportLayout): readonly string[] {
  if (layout.startsWith('xero')) return XERO_HEADER;
  return layout === 'qbo-invoices-csv' ? QBO_INVOICE_HEADER : QBO_CREDIT_MEMO_HEADER;
}

function refuseLongNumbers(documents: readonly ImportDocument[]): void {
  const long = documents.filter((d) => d.number.length > QBO_NUMBER_LIMIT).map((d) => d.number);
  if (long.length > 0)
    throw new ImportRefused(
      `QuickBooks Online numbers hold at most ${QBO_NUMBER_LIMIT} characters; too long: ${long.join(', ')} (a shorter invoice.prefix in trueup.json makes shorter numbers)`,
    );
}

const within =
  (period: Period) =>
  (date: IsoDate): boolean =>
    date >= firstDay(period) && date <= lastDay(period);

const byDateThenNumber = (a: ImportDocument, b: ImportDocument): number =>
  a.date < b.date ? -1 : a.date > b.date ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0;

/** The invoices issued in the period (void ones too: they were issued, their credit note follows). */
export function invoiceDocuments(input: ImportInput): ImportDocument[] {
  const inPeriod = within(input.period);
  const incomeOf = incomeAccounts(input);
  const clients = new Map(input.clients.map((c) => [c.clientId, c]));
  return input.invoices
    .filter((a) => inPeriod(a.invoice.issueDate))
    .map((a) =>
      invoiceDocument(a.invoice, clients.get(a.invoice.clientId), (line) =>
        lineAccount(line, input.accounts, incomeOf),
      ),
    )
    .sort(byDateThenNumber);
}

function invoiceDocument(
  invoice: Invoice,
  client: Client | undefined,
  accountOf: (line: InvoiceLine) => string,
): ImportDocument {
  const taxable = invoice.lines.map(isTaxedInvoiceLine);
  const shares = spreadTax(
    invoice.lines.map((l, i) => ({ amount: l.amount, taxable: taxable[i]! })),
    invoice.tax,
    invoice.currency,
    invoice.number,
  );
  return {
    kind: 'invoice',
    number: invoice.number,
    date: invoice.issueDate,
    dueDate: invoice.dueDate,
    clientId: invoice.clientId,
    ...(client ? { client } : {}),
    currency: invoice.currency,
    reference: client?.poNumber ?? '',
    memo: `Invoice ${invoice.number} (${invoice.period})`,
    lines: invoice.lines.map((line, i) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      amount: line.amount,
      account: accountOf(line),
      taxable: taxable[i]!,
      tax: shares[i]!,
      ...(line.period ? { servicePeriod: line.period } : {}),
    })),
    subtotal: invoice.subtotal,
    tax: invoice.tax,
    total: invoice.total,
  };
}

/** As the contract taxes them: every line but late fees, client credit spent, and charges added as not taxable. */
function isTaxedInvoiceLine(line: InvoiceLine): boolean {
  return line.kind !== 'late_fee' && line.kind !== 'client_credit' && line.taxable !== false;
}

/** The credit notes issued in the period; a credited line keeps its invoice line's account. */
export function creditNoteDocuments(input: ImportInput): ImportDocument[] {
  const inPeriod = within(input.period);
  const incomeOf = incomeAccounts(input);
  const clients = new Map(input.clients.map((c) => [c.clientId, c]));
  const invoices = new Map(input.invoices.map((a) => [a.invoice.number, a.invoice]));
  return input.creditNotes
    .filter((n) => inPeriod(n.issueDate))
    .map((note) => {
      const invoice = invoices.get(note.invoiceNumber);
      const accountOf = (line: CreditNoteLine): string => {
        const credited = line.invoiceLine === undefined ? undefined : invoice?.lines[line.invoiceLine - 1];
        return credited ? lineAccount(credited, input.accounts, incomeOf) : incomeOf(line.sku);
      };
      return creditNoteDocument(note, clients.get(note.clientId), accountOf);
    })
    .sort(byDateThenNumber);
}

function creditNoteDocument(
  note: CreditNote,
  client: Client | undefined,
  accountOf: (line: CreditNoteLine) => string,
): ImportDocument {
  const shares = spreadTax(note.lines, note.tax, note.currency, note.number);
  return {
    kind: 'credit_note',
    number: note.number,
    date: note.issueDate,
    dueDate: note.issueDate,
    clientId: note.clientId,
    ...(client ? { client } : {}),
    currency: note.currency,
    reference: note.invoiceNumber,
    memo: `Credit note ${note.number} of ${note.invoiceNumber}: ${note.reason}`,
    lines: note.lines.map((line, i) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      amount: line.amount,
      account: accountOf(line),
      taxable: line.taxable,
      tax: shares[i]!,
      ...(line.period ? { servicePeriod: line.period } : {}),
    })),
    subtotal: note.subtotal,
    tax: note.tax,
    total: note.total,
  };
}

/**
 * The document's tax spread over its taxable lines in proportion to their amounts, each share
 * rounded to the currency's minor unit and the remainder put on the last taxable line: the
 * shares sum to `tax` exactly. Lines not taxable get 0.
 */
export function spreadTax(
  lines: readonly { amount: Dec; taxable: boolean }[],
  tax: Dec,
  currency: string,
  documentNumber: string,
): Dec[] {
  const shares = lines.map(() => ZERO);
  if (tax.isZero()) return shares;
  const taxed = lines.flatMap((l, i) => (l.taxable ? [i] : []));
  const last = taxed.at(-1);
  if (last === undefined)
    throw new ImportRefused(`${documentNumber} has tax ${decimalText(tax)} but no taxable line to carry it`);
  const base = sum(taxed.map((i) => lines[i]!.amount));
  for (const i of taxed.slice(0, -1))
    shares[i] = base.isZero() ? ZERO : roundMoney(tax.times(lines[i]!.amount).div(base), currency);
  shares[last] = tax.minus(sum(shares));
  return shares;
}

/**
 * Quantity and unit price as the books will multiply them: as they are when their product is
 * the amount exactly (and neither needs more than 4 decimals, what Xero and QuickBooks keep);
 * otherwise quantity 1 at the amount, the real quantity × unit price kept in the description.
 */
export function shownLine(line: ImportLine): { description: string; quantity: Dec; unitPrice: Dec } {
  const { quantity, unitPrice, amount, description } = line;
  const exact =
    quantity.times(unitPrice).equals(amount) && quantity.decimalPlaces() <= 4 && unitPrice.decimalPlaces() <= 4;
  if (exact) return { description, quantity, unitPrice };
  return {
    description: `${description} (${formatQuantity(quantity)} × ${decimalText(unitPrice)})`,
    quantity: ONE,
    unitPrice: amount,
  };
}

/** The account code an import names: the first word when it has a digit (`4100 Licensing` → `4100`), else the whole text. */
export function accountCodeOf(account: string): string {
  const first = account.trim().split(/\s+/)[0] ?? '';
  return /\d/.test(first) ? first : account.trim();
}

export function formatImportDate(date: IsoDate, format: ImportDateFormat): string {
  const [year, month, day] = date.split('-');
  if (format === 'dd/mm/yyyy') return `${day}/${month}/${year}`;
  if (format === 'mm/dd/yyyy') return `${month}/${day}/${year}`;
  return date;
}

/** A postal address (lines separated by newlines) in four lines, the rest joined onto the fourth. */
function addressLines(address: string | undefined): string[] {
  const lines = (address ?? '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return [0, 1, 2].map((i) => lines[i] ?? '').concat(lines.slice(3).join(', '));
}

/** One row of Xero's template. A credit note is the same template with negative quantities: Xero imports a negative document as a credit note. */
function xeroRow(doc: ImportDocument, line: ImportLine, options: ImportOptions): string[] {
  const sign = doc.kind === 'credit_note' ? -1 : 1;
  const shown = shownLine(line);
  const money = (value: Dec): string => formatMoney(value.times(sign), doc.currency);
  const taxed = line.taxable && !doc.tax.isZero();
  return [
    doc.client?.name ?? doc.clientId,
    doc.client?.billingEmails[0] ?? '',
    ...addressLines(doc.client?.postalAddress),
    '',
    '',
    '',
    '',
    doc.number,
    doc.reference,
    formatImportDate(doc.date, options.dateFormat),
    formatImportDate(doc.dueDate, options.dateFormat),
    money(doc.total),
    '',
    shown.description,
    formatQuantity(shown.quantity.times(sign)),
    formatQuantity(shown.unitPrice),
    '',
    accountCodeOf(line.account),
    taxed ? options.taxType : options.exemptTaxType,
    money(line.tax),
    '',
    '',
    '',
    '',
    doc.currency,
    '',
  ];
}

/** One row of QuickBooks Online's invoice or credit memo import (amounts as TrueUp issued them, positive on a credit memo). */
function qboRow(layout: ImportLayout, doc: ImportDocument, line: ImportLine, options: ImportOptions): string[] {
  const shown = shownLine(line);
  const date = (d: IsoDate): string => formatImportDate(d, options.dateFormat);
  const head =
    layout === 'qbo-invoices-csv'
      ? [doc.number, customerName(doc), date(doc.date), date(doc.dueDate), '', '', doc.memo]
      : [doc.number, customerName(doc), date(doc.date), '', doc.memo];
  const taxed = line.taxable && !doc.tax.isZero();
  return [
    ...head,
    line.account,
    shown.description,
    formatQuantity(shown.quantity),
    formatQuantity(shown.unitPrice),
    formatMoney(line.amount, doc.currency),
    taxed ? 'Y' : 'N',
    doc.client ? `${decimalText(doc.client.taxRate)}%` : '',
    formatMoney(line.tax, doc.currency),
    line.servicePeriod ? date(firstDay(line.servicePeriod)) : '',
    doc.currency,
  ];
}

/** QuickBooks needs display names unique: `<name> (<client id>)`, as the publisher names customers. */
export function customerName(doc: Pick<ImportDocument, 'client' | 'clientId'>): string {
  return doc.client ? `${doc.client.name} (${doc.clientId})` : doc.clientId;
}
