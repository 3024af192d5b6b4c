/**
 * `adjustments.csv` of a data folder (docs/credit-notes.md): credit notes and voids that
 * `trueup simulate` applies on their date, after the day's payments and before dunning.
 * Checked here, before anything runs: the columns, the action, the date, the amount (required
 * and above 0 for `credit`, absent for `void`), the reason, a unique adjustment_id, and an
 * invoice number of the configured series. What can only be known on the day (the invoice
 * exists, its currency's decimals, its balance) is checked when the row is applied.
 */
import { z } from 'zod';
import type { IsoDate } from '../dates.js';
import { Dec } from '../money.js';
import * as cell from './cell-schemas.js';
import { duplicateKeys, readTable, type TableSpec } from './csv-table.js';
import { fail, succeed, type ParseResult, type Problem } from './problems.js';

export const ADJUSTMENTS_FILE = 'adjustments.csv';

export interface Adjustment {
  readonly adjustmentId: string;
  readonly date: IsoDate;
  readonly invoiceNumber: string;
  readonly action: 'void' | 'credit';
  /** `credit`: the amount credited before tax. */
  readonly amount?: Dec;
  readonly reason: string;
  /** `credit`: keep what goes above the invoice's open balance as client credit. */
  readonly asClientCredit: boolean;
  /** Where the row is, for the problems found when it is applied. */
  readonly file: string;
  readonly line: number;
}

/** More decimals than any currency has (KWD has 3, CLF 4) is wrong whatever the invoice's currency. */
const MAX_MONEY_DECIMALS = 4;

type Row = Omit<Adjustment, 'file' | 'line'>;

const spec: TableSpec<Row> = {
  columns: ['adjustment_id', 'date', 'invoice_number', 'action', 'amount', 'reason', 'as_client_credit'],
  required: ['adjustment_id', 'date', 'invoice_number', 'action', 'amount', 'reason'],
  row: z
    .object({
      adjustment_id: cell.key(),
      date: cell.date(),
      invoice_number: cell.key(),
      action: cell.oneOf(['void', 'credit'] as const),
      amount: cell.decimal({ above: 0, digits: { integerDigits: 15, fractionDigits: MAX_MONEY_DECIMALS } }).optional(),
      reason: cell.text(500),
      as_client_credit: cell.oneOf(['true', 'false', 'yes', 'no'] as const).optional(),
    })
    .superRefine((r, ctx) => {
      if (r.action === 'credit' && r.amount === undefined)
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is required for a credit (the amount before tax)' });
      if (r.action === 'void' && r.amount !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['amount'],
          message: 'must be empty for a void (a void credits the whole invoice)',
        });
      if (r.action === 'void' && (r.as_client_credit === 'true' || r.as_client_credit === 'yes'))
        ctx.addIssue({
          code: 'custom',
          path: ['as_client_credit'],
          message: 'applies to a credit only (a void gives back any client credit the invoice spent by itself)',
        });
    })
    .transform((r): Row => ({
      adjustmentId: r.adjustment_id,
      date: r.date,
      invoiceNumber: r.invoice_number,
      action: r.action,
      ...(r.amount !== undefined ? { amount: new Dec(r.amount) } : {}),
      reason: r.reason,
      asClientCredit: r.as_client_credit === 'true' || r.as_client_credit === 'yes',
    })),
};

export interface AdjustmentOptions {
  /** `invoice.prefix`: an invoice number must be `{prefix}-{YYYY}-{NNNNNN}`. */
  readonly invoicePrefix?: string;
}

/** The rows of adjustments.csv in (date, adjustment_id) order, or every problem in it. */
export function parseAdjustments(
  text: string,
  file = ADJUSTMENTS_FILE,
  options: AdjustmentOptions = {},
): ParseResult<Adjustment[]> {
  const table = readTable(text, file, spec);
  const problems: Problem[] = [...table.problems, ...duplicateKeys(table.raw, file, { columns: ['adjustment_id'] })];
  const pattern =
    options.invoicePrefix === undefined
      ? undefined
      : new RegExp(`^${options.invoicePrefix.replace(/[.]/g, '\\.')}-\\d{4}-\\d{6}$`);
  for (const row of table.rows) {
    if (pattern && !pattern.test(row.value.invoiceNumber))
      problems.push({
        file,
        line: row.line,
        column: 'invoice_number',
        reason: `must be an invoice number like ${options.invoicePrefix}-2025-000001 (got ${cell.quote(row.value.invoiceNumber)})`,
      });
  }
  if (problems.length > 0) return fail(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  const rows = table.rows.map((row) => ({ ...row.value, file, line: row.line }));
  return succeed(
    rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.adjustmentId < b.adjustmentId ? -1 : 1)),
  );
}
