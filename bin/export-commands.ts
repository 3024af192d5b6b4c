/**
 * `trueup export accounting --period P --format F [--out FILE]` (docs/accounting.md): writes the
 * period's balanced double-entry journal (`journal-csv`), or its invoices / credit notes in the
 * layout Xero's or QuickBooks Online's import takes (`xero-invoices-csv`, `xero-credit-notes-csv`,
 * `qbo-invoices-csv`, `qbo-credit-memos-csv`), and beside it the manifest (`FILE` without
 * `.csv`, plus `.manifest.json`). Read-only: exporting a period again writes the same bytes.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { exportBooksCsv } from '../functions/app/export-books-csv.js';
import { exportJournal } from '../functions/app/export-journal.js';
import {
  IMPORT_DATE_FORMATS,
  IMPORT_LAYOUTS,
  ImportRefused,
  type ImportDateFormat,
  type ImportLayout,
  type ImportOptions,
} from '../functions/domain/books-csv.js';
import { lineProblem } from '../functions/domain/reference/cell-schemas.js';
import { UserError, withConnection, type Target } from './ops-commands.js';

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;

interface ExportOptions extends Target {
  period: string;
  format: string;
  out?: string;
  dateFormat?: ImportDateFormat;
  taxType?: string;
  exemptTaxType?: string;
}

const FORMATS = ['journal-csv', ...IMPORT_LAYOUTS] as const;

function period(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not a period written YYYY-MM`);
  return value;
}

function format(value: string): string {
  if (!(FORMATS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`"${value}" is not a format; the ones there are: ${FORMATS.join(', ')}`);
  return value;
}

function dateFormat(value: string): ImportDateFormat {
  const found = IMPORT_DATE_FORMATS.find((f) => f === value.toLowerCase());
  if (found === undefined)
    throw new InvalidArgumentError(
      `"${value}" is not a date format; the ones there are: ${IMPORT_DATE_FORMATS.join(', ')}`,
    );
  return found;
}

function taxRateName(value: string): string {
  const bad = value.trim() === '' ? 'must not be empty' : lineProblem(value);
  if (bad !== undefined) throw new InvalidArgumentError(`the tax rate name ${bad}`);
  return value.trim();
}

/** `journal-csv` → `journal-2026-03.csv`, `xero-invoices-csv` → `xero-invoices-2026-03.csv`. */
export function defaultOutPath(format: string, period: string): string {
  return `${format.replace(/-csv$/, '')}-${period}.csv`;
}

/** `journal.csv` → `journal.manifest.json`; any other name gets `.manifest.json` added. */
export function manifestPath(csvPath: string): string {
  return `${csvPath.replace(/\.csv$/i, '')}.manifest.json`;
}

export function addExportCommands(program: Command): void {
  const exports = program.command('export').description('export the books');
  addJournalExport(exports, 'accounting');
}

/** The accounting export as the subcommand `name` of `parent` (`trueup export accounting`, `trueup accounting export`). */
export function addJournalExport(parent: Command, name: string): void {
  parent
    .command(name)
    .description(
      "write a period's journal, or its invoices or credit notes as Xero / QuickBooks import files, and a manifest",
    )
    .requiredOption('--period <period>', 'the month whose documents are written (YYYY-MM)', period)
    .requiredOption('--format <format>', FORMATS.join(' | '), format)
    .option('--out <file>', 'the CSV file to write (default <format>-<period>.csv); the manifest goes beside it')
    .option(
      '--date-format <format>',
      `import files: how dates are written, ${IMPORT_DATE_FORMATS.join(' | ')} (default dd/mm/yyyy for Xero, mm/dd/yyyy for QuickBooks)`,
      dateFormat,
    )
    .option(
      '--tax-type <name>',
      'Xero: the tax rate of taxed lines, as Xero names it (default "Tax on Sales")',
      taxRateName,
    )
    .option('--exempt-tax-type <name>', 'Xero: the tax rate of untaxed lines (default "Tax Exempt")', taxRateName)
    .option(...OUTPUTS)
    .action((opts: ExportOptions) =>
      withConnection(opts, async (c) => {
        const out = opts.out ?? defaultOutPath(opts.format, opts.period);
        const message =
          opts.format === 'journal-csv'
            ? await writeJournal(c.deps, opts.period, out)
            : await writeImportFile(c.deps, opts, out);
        console.log(message);
      }),
    );
}

type Deps = Parameters<typeof exportJournal>[0];

async function writeJournal(deps: Deps, period: string, out: string): Promise<string> {
  const result = await exportJournal(deps, { period });
  await writeFile(out, result.csv);
  await writeFile(manifestPath(out), result.manifestJson);
  const totals = Object.entries(result.manifest.totals)
    .map(([currency, t]) => `${t.debit} ${currency}`)
    .join(', ');
  const docs = result.manifest.documents;
  return `Wrote ${result.manifest.entries} entries for ${period} to ${out} (${docs.invoice} invoices, ${docs.credit_note} credit notes, ${docs.payment} payments, ${docs.refund} refunds; debits = credits${totals ? `: ${totals}` : ''}) and the manifest to ${manifestPath(out)}.`;
}

async function writeImportFile(deps: Deps, opts: ExportOptions, out: string): Promise<string> {
  const options: Partial<ImportOptions> = {
    ...(opts.dateFormat ? { dateFormat: opts.dateFormat } : {}),
    ...(opts.taxType ? { taxType: opts.taxType } : {}),
    ...(opts.exemptTaxType ? { exemptTaxType: opts.exemptTaxType } : {}),
  };
  const result = await exportBooksCsv(deps, {
    period: opts.period,
    format: opts.format as ImportLayout,
    options,
  }).catch((error: unknown) => {
    throw error instanceof ImportRefused ? new UserError(`${error.message}; nothing was written.`) : error;
  });
  await writeFile(out, result.csv);
  await writeFile(manifestPath(out), result.manifestJson);
  const kind = /credit/.test(opts.format) ? 'credit notes' : 'invoices';
  const totals = Object.entries(result.manifest.totals)
    .map(([currency, t]) => `${t.total} ${currency} (tax ${t.tax})`)
    .join(', ');
  return `Wrote ${result.manifest.documents} ${kind} (${result.manifest.rows} lines) for ${opts.period} to ${out}${totals ? `: ${totals}` : ''}, and the manifest to ${manifestPath(out)}.`;
}
