/**
 * The rows of a data folder's adjustments.csv dated `day` (docs/credit-notes.md), applied after
 * the day's payments and before dunning, in adjustment_id order: each a credit note or a void,
 * issued once (request key `adjustment#<id>`) by the pipeline's actor. A row that cannot be
 * applied on its day (no such invoice yet, money on a void, a credit above the balance without
 * as_client_credit, more decimals than the invoice's currency has) stops the simulation with a
 * problem naming the file, line and column.
 */
import type { Deps } from '../app/deps.js';
import { issueCreditNote, voidInvoice } from '../app/credit-notes.js';
import { SYSTEM_ACTOR } from '../app/ports.js';
import { CreditNoteRefused, type CreditField } from '../domain/credit-note.js';
import type { IsoDate } from '../domain/dates.js';
import { moneyProblem } from '../domain/money.js';
import type { Adjustment } from '../domain/reference/adjustments.js';
import { formatProblem } from '../domain/reference/index.js';

/** A row of adjustments.csv that cannot be applied on its day. */
export class AdjustmentError extends Error {}

const COLUMNS: Readonly<Record<CreditField, string>> = {
  invoice: 'invoice_number',
  amount: 'amount',
  lines: 'amount',
  action: 'action',
  reason: 'reason',
  date: 'date',
};

export async function applyAdjustments(deps: Deps, adjustments: readonly Adjustment[], day: IsoDate): Promise<number> {
  let applied = 0;
  for (const row of adjustments.filter((a) => a.date === day)) {
    const refuse = (column: string, reason: string): AdjustmentError =>
      new AdjustmentError(formatProblem({ file: row.file, line: row.line, column, reason }));
    const account = await deps.ledger.getInvoice(row.invoiceNumber);
    if (!account) throw refuse('invoice_number', `invoice ${row.invoiceNumber} does not exist on ${day}`);
    const digits = row.amount && moneyProblem(row.amount, account.invoice.currency);
    if (digits)
      throw refuse(
        'amount',
        digits.replace(/ \(got .*\)$/, ` (invoice ${row.invoiceNumber} is in ${account.invoice.currency})`),
      );
    try {
      const common = { invoiceNumber: row.invoiceNumber, reason: row.reason, today: day, by: SYSTEM_ACTOR };
      if (row.action === 'void') await voidInvoice(deps, common);
      else
        await issueCreditNote(deps, {
          ...common,
          ...(row.amount ? { amount: row.amount } : {}),
          asClientCredit: row.asClientCredit,
          requestKey: `adjustment#${row.adjustmentId}`,
        });
      applied += 1;
    } catch (error) {
      if (error instanceof CreditNoteRefused) throw refuse(COLUMNS[error.field], error.message);
      throw error;
    }
  }
  return applied;
}
