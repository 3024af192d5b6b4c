/**
 * `approvals.csv` (docs/review.md): the approvals `trueup simulate` applies in hold mode, each
 * on its date after the billing run. `client_id` is one client, or `*` for every pending draft
 * of the period (held ones are skipped); a row with a `hold_reason` holds the client's draft
 * instead (applied before that day's approvals). Pure: checked here row by row, and against
 * the clients and settings by `approvalProblems`.
 */
import { z } from 'zod';
import { addMonths, firstDay, type IsoDate, type Period } from '../dates.js';
import type { ReferenceData } from '../billing-types.js';
import * as cell from './cell-schemas.js';
import { readTable, type TableSpec } from './csv-table.js';
import { fail, succeed, type ParseResult, type Problem } from './problems.js';

export const APPROVALS_FILE = 'approvals.csv';

export interface ApprovalRow {
  /** The physical line of the row (for problems found later). */
  readonly line: number;
  readonly date: IsoDate;
  readonly period: Period;
  /** A client id, or `*`: every pending draft of the period. */
  readonly clientId: string;
  /** Set: the row holds the client's draft with this reason instead of approving it. */
  readonly holdReason?: string;
}

const period = () =>
  cell.cell((value) =>
    /^\d{4}-(0[1-9]|1[0-2])$/.test(value)
      ? { ok: true as const, value }
      : { ok: false as const, reason: `must be a billing period written YYYY-MM (got ${cell.quote(value)})` },
  );

/** A client id as clients.csv spells them, or `*`. */
const clientOrStar = () =>
  cell.cell((value) => {
    if (value === '*') return { ok: true as const, value };
    const id = cell.clientId().safeParse(value);
    return id.success
      ? { ok: true as const, value: id.data }
      : {
          ok: false as const,
          reason: `${id.error.issues[0]?.message ?? 'is not a client id'}, or * for every pending draft`,
        };
  });

const approvalsSpec: TableSpec<Omit<ApprovalRow, 'line'>> = {
  columns: ['date', 'period', 'client_id', 'hold_reason'],
  required: ['date', 'period', 'client_id'],
  row: z
    .object({
      date: cell.date(),
      period: period(),
      client_id: clientOrStar(),
      hold_reason: cell.text(500).optional(),
    })
    .superRefine((r, ctx) => {
      // The period's drafts exist from its billing run, on the 1st of the next month.
      const run = firstDay(addMonths(r.period, 1));
      if (r.date < run)
        ctx.addIssue({
          code: 'custom',
          path: ['date'],
          message: `is before the billing run of ${r.period} (${run}), which makes its drafts (got ${cell.quote(r.date)})`,
        });
      if (r.client_id === '*' && r.hold_reason !== undefined)
        ctx.addIssue({ code: 'custom', path: ['client_id'], message: 'a hold names one client, not *' });
    })
    .transform((r) => ({
      date: r.date,
      period: r.period,
      clientId: r.client_id,
      ...(r.hold_reason === undefined ? {} : { holdReason: r.hold_reason }),
    })),
};

/** Parses approvals.csv; every problem with its line and column. */
export function parseApprovals(text: string, file = APPROVALS_FILE): ParseResult<ApprovalRow[]> {
  const table = readTable(text, file, approvalsSpec);
  if (table.problems.length > 0) return fail(table.problems);
  return succeed(table.rows.map((row) => ({ line: row.line, ...row.value })));
}

/** Rows that name an unknown client, or a data folder not in hold mode: problems naming the file, line and column. */
export function approvalProblems(
  rows: readonly ApprovalRow[],
  reference: ReferenceData,
  file = APPROVALS_FILE,
): Problem[] {
  const clients = new Set(reference.clients.map((c) => c.clientId));
  const problems: Problem[] = rows
    .filter((r) => r.clientId !== '*' && !clients.has(r.clientId))
    .map((r) => ({
      file,
      line: r.line,
      column: 'client_id',
      reason: `names no client of clients.csv (got ${cell.quote(r.clientId)})`,
    }));
  if (rows.length > 0 && reference.settings.invoice.review !== 'hold')
    problems.unshift({
      file,
      reason:
        'approves drafts, but trueup.json does not hold invoices for review: set "invoice": { "review": "hold" } or remove the file',
    });
  return problems;
}
