/**
 * `trueup export accounting --period P --format journal-csv [--out FILE]` (docs/accounting.md):
 * writes the period's balanced double-entry journal and, beside it, its manifest
 * (`FILE` without `.csv`, plus `.manifest.json`). Read-only: exporting a period again writes the
 * same bytes.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { exportJournal } from '../functions/app/export-journal.js';
import { withConnection, type Target } from './ops-commands.js';

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;

interface ExportOptions extends Target {
  period: string;
  format: string;
  out?: string;
}

function period(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not a period written YYYY-MM`);
  return value;
}

function format(value: string): string {
  if (value !== 'journal-csv')
    throw new InvalidArgumentError(`"${value}" is not a format; the one there is: journal-csv`);
  return value;
}

/** `journal.csv` → `journal.manifest.json`; any other name gets `.manifest.json` added. */
export function manifestPath(csvPath: string): string {
  return `${csvPath.replace(/\.csv$/i, '')}.manifest.json`;
}

export function addExportCommands(program: Command): void {
  const exports = program.command('export').description('export the books');
  addJournalExport(exports, 'accounting');
}

/** The journal export as the subcommand `name` of `parent` (`trueup export accounting`, `trueup accounting export`). */
export function addJournalExport(parent: Command, name: string): void {
  parent
    .command(name)
    .description("write a period's balanced double-entry journal (CSV) and its manifest")
    .requiredOption('--period <period>', 'the month whose documents are posted (YYYY-MM)', period)
    .requiredOption('--format <format>', 'journal-csv', format)
    .option('--out <file>', 'the CSV file to write (default journal-<period>.csv); the manifest goes beside it')
    .option(...OUTPUTS)
    .action((opts: ExportOptions) =>
      withConnection(opts, async (c) => {
        const result = await exportJournal(c.deps, { period: opts.period });
        const out = opts.out ?? `journal-${opts.period}.csv`;
        await writeFile(out, result.csv);
        await writeFile(manifestPath(out), result.manifestJson);
        const totals = Object.entries(result.manifest.totals)
          .map(([currency, t]) => `${t.debit} ${currency}`)
          .join(', ');
        const docs = result.manifest.documents;
        console.log(
          `Wrote ${result.manifest.entries} entries for ${opts.period} to ${out} (${docs.invoice} invoices, ${docs.credit_note} credit notes, ${docs.payment} payments, ${docs.refund} refunds; debits = credits${totals ? `: ${totals}` : ''}) and the manifest to ${manifestPath(out)}.`,
        );
      }),
    );
}
