/**
 * Parsing each reference file from text (pure: no file system, clock or environment).
 * Within-file rules live here: row schemas, duplicate keys, overlapping agreement lines,
 * repeated payments. Cross-file rules are in reference-data.ts.
 */
import type { Agreement, Client, Payment, Product, SkuMapping, Account } from '../billing-types.js';
import { addDays, periodOf, type IsoDate } from '../dates.js';
import { decimalText } from '../money.js';
import { duplicateKeys, readTable, type KeyColumn, type Located, type Table, type TableSpec } from './csv-table.js';
import { fail, succeed, type ParseResult, type Problem } from './problems.js';
import { DEFAULT_SETTINGS } from './settings.js';
import { accountsSpec, agreementsSpec, clientsSpec, paymentsSpec, productsSpec, skuMapSpec } from './tables.js';

const lowerVendor = (column: string, value: string): string => (column === 'vendor' ? value.toLowerCase() : value);

export const CLIENT_KEY: KeyColumn = { columns: ['client_id'] };
export const ACCOUNT_KEY: KeyColumn = { columns: ['vendor', 'account_id'], normalize: lowerVendor };
export const PRODUCT_KEY: KeyColumn = { columns: ['sku'] };
export const SKU_MAP_KEY: KeyColumn = { columns: ['vendor', 'vendor_sku'], normalize: lowerVendor };
export const AGREEMENT_KEY: KeyColumn = { columns: ['agreement_id'] };

/** A table with its within-file duplicate-key problems added. */
export function readKeyedTable<T>(text: string, file: string, spec: TableSpec<T>, key: KeyColumn): Table<T> {
  const table = readTable(text, file, spec);
  return { ...table, problems: [...table.problems, ...duplicateKeys(table.raw, file, key)].sort(byLine) };
}

const byLine = (a: Problem, b: Problem): number => (a.line ?? 0) - (b.line ?? 0);

function result<T>(table: Table<T>, extra: readonly Problem[] = []): ParseResult<T[]> {
  const problems = [...table.problems, ...extra].sort(byLine);
  return problems.length > 0 ? fail(problems) : succeed(table.rows.map((row) => row.value));
}

/** clients.csv. An empty `payment_terms_days` takes `defaults.paymentTermsDays` (the settings'). */
export function parseClients(
  text: string,
  file = 'clients.csv',
  defaults: { readonly paymentTermsDays: number } = DEFAULT_SETTINGS.invoice,
): ParseResult<Client[]> {
  return result(readKeyedTable(text, file, clientsSpec(defaults.paymentTermsDays), CLIENT_KEY));
}

export function parseAccounts(text: string, file = 'accounts.csv'): ParseResult<Account[]> {
  return result(readKeyedTable(text, file, accountsSpec, ACCOUNT_KEY));
}

export function parseProducts(text: string, file = 'products.csv'): ParseResult<Product[]> {
  return result(readKeyedTable(text, file, productsSpec, PRODUCT_KEY));
}

export function parseSkuMap(text: string, file = 'sku-map.csv'): ParseResult<SkuMapping[]> {
  return result(readKeyedTable(text, file, skuMapSpec, SKU_MAP_KEY));
}

/**
 * Two lines for one (client, sku) that are both active in some period. A line is active in
 * period P when start_date ≤ last day of P and (no end_date or end_date ≥ first day of P), so
 * a line covers every month from its start date's month to its end date's month, inclusive.
 */
export function overlappingAgreements(rows: readonly Located<Agreement>[], file: string): Problem[] {
  const problems: Problem[] = [];
  const groups = new Map<string, Located<Agreement>[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.value.clientId, row.value.sku]);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  for (const group of groups.values()) {
    for (let j = 1; j < group.length; j++) {
      const later = group[j] as Located<Agreement>;
      for (let i = 0; i < j; i++) {
        const earlier = group[i] as Located<Agreement>;
        const a = earlier.value;
        const b = later.value;
        const aFrom = periodOf(a.startDate);
        const bFrom = periodOf(b.startDate);
        const aTo = a.endDate !== undefined ? periodOf(a.endDate) : undefined;
        const bTo = b.endDate !== undefined ? periodOf(b.endDate) : undefined;
        const overlaps = (aTo === undefined || bFrom <= aTo) && (bTo === undefined || aFrom <= bTo);
        if (!overlaps) continue;
        const first = aFrom > bFrom ? aFrom : bFrom;
        problems.push({
          file,
          line: later.line,
          column: 'start_date',
          reason: `agreement ${b.agreementId} (line ${later.line}) and agreement ${a.agreementId} (line ${earlier.line}) are both active for client ${a.clientId}, sku ${a.sku} in ${first}: a line is active in every month from its start_date's month to its end_date's month, so end one before the month the other starts`,
        });
      }
    }
  }
  return problems;
}

export function parseAgreements(text: string, file = 'agreements.csv'): ParseResult<Agreement[]> {
  const table = readKeyedTable(text, file, agreementsSpec, AGREEMENT_KEY);
  return result(table, overlappingAgreements(table.rows, file));
}

function paymentDifference(a: Payment, b: Payment): string[] {
  const diffs: string[] = [];
  if (a.invoiceNumber !== b.invoiceNumber) diffs.push(`invoice_number ${b.invoiceNumber} vs ${a.invoiceNumber}`);
  if (!a.amount.equals(b.amount)) diffs.push(`amount ${decimalText(b.amount)} vs ${decimalText(a.amount)}`);
  if (a.currency !== b.currency) diffs.push(`currency ${b.currency} vs ${a.currency}`);
  if (a.receivedOn !== b.receivedOn) diffs.push(`received_on ${b.receivedOn} vs ${a.receivedOn}`);
  return diffs;
}

/**
 * Every payments file, in the order given. A payment applies once per payment_id (docs/contract.md
 * §6): a payment_id repeated with the same invoice, amount, currency and date (in the same
 * file or another) keeps the first row and is reported as a warning. Repeated with different
 * content, one of the two rows is wrong and nobody can tell which: that is a problem naming both
 * rows (file:line of each). Any problem in any file rejects them all.
 *
 * With `lastDay` (the last day a run covers, e.g. simulate's --to), payments received after it
 * are imported but not applied in that run: one warning says so, at the first of them. A payment
 * more than a year after it reads like a mistyped year: each gets its own warning.
 */
export function parsePaymentFiles(
  files: readonly { readonly file: string; readonly text: string }[],
  options: PaymentFileOptions = {},
): ParseResult<Payment[]> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const payments: Payment[] = [];
  const first = new Map<string, { file: string; line: number; payment: Payment }>();
  const later: { file: string; line: number; payment: Payment }[] = [];
  for (const { file, text } of files) {
    const table = readTable(text, file, paymentsSpec);
    problems.push(...table.problems);
    for (const row of table.rows) {
      const earlier = first.get(row.value.paymentId);
      if (earlier === undefined) {
        first.set(row.value.paymentId, { file, line: row.line, payment: row.value });
        payments.push(row.value);
        if (options.lastDay !== undefined && row.value.receivedOn > options.lastDay)
          later.push({ file, line: row.line, payment: row.value });
        continue;
      }
      const id = JSON.stringify(row.value.paymentId);
      const diffs = paymentDifference(earlier.payment, row.value);
      if (diffs.length > 0) {
        problems.push({
          file,
          line: row.line,
          column: 'payment_id',
          reason: `duplicate payment_id ${id} with different content (${diffs.join(', ')}): ${file}:${row.line} and ${earlier.file}:${earlier.line} cannot both be that payment; give one its own payment_id or remove it`,
        });
        continue;
      }
      const where = earlier.file === file ? `line ${earlier.line}` : `${earlier.file} line ${earlier.line}`;
      warnings.push({
        file,
        line: row.line,
        column: 'payment_id',
        reason: `duplicate payment_id ${id}: already on ${where}; this row is ignored`,
      });
    }
  }
  if (options.lastDay !== undefined) warnings.push(...latePaymentWarnings(later, options.lastDay));
  return problems.length > 0 ? fail(problems) : succeed(payments, warnings);
}

export interface PaymentFileOptions {
  /** The last day the caller's run covers: payments received after it are reported. */
  readonly lastDay?: IsoDate;
}

/** One warning for the payments after `lastDay`, and one for each more than a year after it. */
function latePaymentWarnings(
  later: readonly { file: string; line: number; payment: Payment }[],
  lastDay: IsoDate,
): Problem[] {
  const [first] = later;
  if (first === undefined) return [];
  const more = later.length > 1 ? ` and ${later.length - 1} more payment(s) are` : ' is';
  const warnings: Problem[] = [
    {
      file: first.file,
      line: first.line,
      column: 'received_on',
      reason: `payment ${JSON.stringify(first.payment.paymentId)}${more} received after the last day ${lastDay}: not applied in this run`,
    },
  ];
  const yearAhead = addDays(lastDay, 366);
  for (const { file, line, payment } of later.filter((p) => p.payment.receivedOn > yearAhead)) {
    warnings.push({
      file,
      line,
      column: 'received_on',
      reason: `payment ${JSON.stringify(payment.paymentId)} is received on ${payment.receivedOn}, more than a year after the last day ${lastDay}: check the year`,
    });
  }
  return warnings;
}

/** One payments file (`payments/*.csv`). */
export function parsePayments(text: string, file = 'payments.csv'): ParseResult<Payment[]> {
  return parsePaymentFiles([{ file, text }]);
}
