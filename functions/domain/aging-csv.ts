/**
 * The AR aging report as CSV (docs/contract.md §9): `client_id, client_name, currency, current,
 * 1-30, 31-60, 61-90, 90+, total`, one row per client and currency with a balance, then one
 * `TOTAL` row per currency. RFC 4180: CRLF line ends (also after the last row), fields quoted
 * when they hold a comma, quote, CR or LF. Names that a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR) get a leading apostrophe; amounts are never altered, and
 * neither are client ids and currencies: clients.csv only admits ids that start with a letter
 * or digit and currencies of three capitals, so the CSV carries them exactly as imported.
 */
import { formatMoney, type Dec } from './money.js';
import { AGING_BUCKETS, type AgingAmounts } from './aging-buckets.js';
import type { AgingReport } from './compute-aging.js';

export const AGING_CSV_HEADER = ['client_id', 'client_name', 'currency', ...AGING_BUCKETS, 'total'] as const;

/** RFC 4180 quoting of one field. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A text cell made safe for spreadsheets: a leading apostrophe before = + - @, tab or CR. */
export function safeText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function agingCsv(report: AgingReport): string {
  const amounts = (buckets: AgingAmounts, total: Dec, currency: string): string[] => [
    ...AGING_BUCKETS.map((b) => formatMoney(buckets[b], currency)),
    formatMoney(total, currency),
  ];
  const lines: string[][] = [
    [...AGING_CSV_HEADER],
    ...report.rows.map((r) => [
      csvField(r.clientId),
      csvField(safeText(r.clientName)),
      csvField(r.currency),
      ...amounts(r.buckets, r.total, r.currency),
    ]),
    ...report.totals.map((t) => ['TOTAL', '', csvField(t.currency), ...amounts(t.buckets, t.total, t.currency)]),
  ];
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
}
