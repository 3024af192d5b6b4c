/**
 * `trueup accounting status|publish|export` (docs/accounting.md, "Publishing to QuickBooks
 * Online or Xero"):
 *
 * - `status`: what the ledger's log says (published, refused with the system's message, waiting
 *   and why, money to post by hand). Reads the ledger only; never calls the accounting system.
 * - `publish [--date D]`: the daily publish run, on demand (after fixing a refusal). The
 *   accounting system comes from the connection's `deps.books`: the seam where the local
 *   stand-ins of QuickBooks Online and Xero, or the deployed stack's secret, are wired.
 * - `export`: the same as `trueup export accounting`.
 */
import type { Command } from 'commander';
import {
  BooksNotWired,
  BooksPublishError,
  booksStatus,
  publishBooks,
  type BooksStatus,
  type PublishResult,
} from '../functions/app/publish-books.js';
import { formatMoney } from '../functions/domain/money.js';
import { booksSystemLabel } from '../functions/render/books-emails.js';
import { addJournalExport } from './export-commands.js';
import { date, today, UserError, withConnection, type Target } from './ops-commands.js';

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;

const NOT_SET =
  'accounting.publish is not set in trueup.json: nothing is published (set { "system": "quickbooks"|"xero", "from": "YYYY-MM-DD" } and import the data folder again).';

export function describeStatus(s: BooksStatus): string {
  if (!s.enabled || !s.system) return NOT_SET;
  const label = booksSystemLabel(s.system);
  const lines = [
    `${label}, documents dated from ${s.from ?? ''}: ${s.published} published (${s.warnings.length} with another total), ${s.refused.length} refused, ${s.waiting.length} waiting, ${s.notPublished.length} not published (post by hand).`,
  ];
  if (s.refused.length) lines.push('', 'Refused (retried every run; fix, then trueup accounting publish):');
  for (const r of s.refused)
    lines.push(`  ${r.kind} ${r.key}: ${r.message ?? ''} (${r.attempts} run(s) since ${r.firstTriedOn})`);
  if (s.warnings.length) lines.push('', 'Published with another total (check them in the books):');
  for (const r of s.warnings) lines.push(`  ${r.kind} ${r.key}: ${r.warning ?? ''}`);
  if (s.waiting.length) lines.push('', 'Waiting:');
  for (const w of s.waiting) lines.push(`  ${w.kind} ${w.key}: ${w.reason}`);
  if (s.notPublished.length) lines.push('', 'Not published:');
  for (const n of s.notPublished)
    lines.push(`  ${n.kind} ${n.key} ${n.date} ${n.currency} ${formatMoney(n.amount, n.currency)}: ${n.reason}`);
  return lines.join('\n');
}

export function describePublish(r: PublishResult): string {
  if (!r.enabled || !r.system) return NOT_SET;
  return `${booksSystemLabel(r.system)}: ${r.published} published (${r.warnings} with another total), ${r.refused} refused, ${r.waiting} waiting${r.emailed ? '; the refusals were emailed to the report recipients' : ''}. See trueup accounting status.`;
}

export function addBooksCommands(program: Command): void {
  const accounting = program
    .command('accounting')
    .description('the books: publish to QuickBooks Online or Xero, see what is there, export the journal');
  accounting
    .command('status')
    .description('what is published, refused (with the system’s message), waiting, and left to post by hand')
    .option('--date <date>', 'as of this day (default today in the MSP time zone)', date)
    .option(...OUTPUTS)
    .action((opts: { date?: string } & Target) =>
      withConnection(opts, async (c) => {
        console.log(describeStatus(await booksStatus(c.deps, { today: await today(c.deps, opts.date) })));
      }),
    );
  accounting
    .command('publish')
    .description('publish what is not in the books yet, and retry what was refused (the daily run, now)')
    .option('--date <date>', 'publish documents dated up to this day (default today in the MSP time zone)', date)
    .option(...OUTPUTS)
    .action((opts: { date?: string } & Target) =>
      withConnection(opts, async (c) => {
        try {
          console.log(describePublish(await publishBooks(c.deps, { today: await today(c.deps, opts.date) })));
        } catch (error) {
          if (error instanceof BooksNotWired) throw new UserError(error.message);
          if (error instanceof BooksPublishError)
            throw new UserError(`${error.message}\nRun trueup accounting publish again later: nothing is duplicated.`);
          throw error;
        }
      }),
    );
  addJournalExport(accounting, 'export');
}
