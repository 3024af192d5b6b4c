/**
 * The `trueup` CLI: try it locally (simulate, demo), check a data folder (validate), and
 * operate a running pipeline. Errors a user can cause print one clear message and exit 1.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { isIsoDate } from '../functions/domain/dates.js';
import { simulate, DataFolderError, type SimulateResult } from '../functions/local/simulate.js';
import { readDataFolder } from '../functions/adapters/local/read-data-folder.js';
import { checkUsageFiles, formatUsageChecks } from '../functions/local/check-usage.js';
import { formatProblems } from '../functions/domain/reference/index.js';
import { progressReporter } from './progress.js';
import { addOpsCommands, UserError } from './ops-commands.js';
import { addSourcesCommands } from './sources-commands.js';
import { readSourcesFile, SourcesConfigError } from '../functions/collect/sources-config.js';
import { ConnectionError } from '../functions/local/connection.js';

const DEMO = { data: 'examples/acme-it', from: '2026-01-01', to: '2026-04-10', out: 'out/demo' };

function date(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`"${value}" is not a date in YYYY-MM-DD form`);
  return value;
}

export function buildProgram(): Command {
  const program = new Command('trueup')
    .description('TrueUp: usage reconciliation, invoicing, dunning and AR reports for MSPs')
    .showHelpAfterError('(run trueup --help for usage)')
    .exitOverride();

  program.command('simulate')
    .description('run the whole pipeline on the embedded AWS stand-in, day by day, and write the outputs')
    .requiredOption('--data <dir>', 'data folder (trueup.json, clients.csv, …, usage/, payments/)')
    .requiredOption('--from <date>', 'first simulated day (YYYY-MM-DD)', date)
    .requiredOption('--to <date>', 'last simulated day (YYYY-MM-DD)', date)
    .requiredOption('--out <dir>', 'output folder (replaced)')
    .option('--serve', 'keep the local SES inbox open after the run')
    .action(async (opts: { data: string; from: string; to: string; out: string; serve?: boolean }) => {
      await runSimulation(opts);
    });

  program.command('demo')
    .description(`simulate the example MSP in ${DEMO.data} from ${DEMO.from} to ${DEMO.to} into ${DEMO.out}`)
    .option('--serve', 'keep the local SES inbox open after the run')
    .action(async (opts: { serve?: boolean }) => {
      await runSimulation({ ...DEMO, serve: opts.serve });
    });

  program.command('validate')
    .description('check a data folder and list every problem; writes nothing')
    .requiredOption('--data <dir>', 'data folder')
    .option('--strict', 'also fail (exit 1) when a usage row would be rejected or a usage file cannot be read')
    .action(async (opts: { data: string; strict?: boolean }) => {
      const folder = await readDataFolder(resolve(opts.data));
      if (!folder.ok) throw new DataFolderError(`${folder.problems.length} problem(s) in ${opts.data}:\n${formatProblems(folder.problems)}`);
      const sources = await readSourcesFile(resolve(opts.data)).catch((error: unknown) => {
        throw error instanceof SourcesConfigError ? new DataFolderError(`${error.message}`) : error;
      });
      const r = folder.value.reference;
      const pulls = sources.sources.length + sources.expectedFeeds.length > 0 ? `, ${sources.sources.length} pull source(s), ${sources.expectedFeeds.length} expected feed(s)` : '';
      console.log(`${opts.data} is valid: ${r.clients.length} clients, ${r.accounts.length} accounts, ${r.products.length} products, ${r.skuMap.length} sku mappings, ${r.agreements.length} agreement lines, ${folder.value.payments.length} payments, ${folder.value.usageFiles.length} usage files${pulls}.`);
      // The usage files too, as simulate would ingest them. A rejected row does not stop simulate
      // (the rest of the file flows), so it fails the check only with --strict.
      const usage = formatUsageChecks(await checkUsageFiles(folder.value.usage));
      if (usage.text) console.log(usage.text);
      if (usage.failed > 0 && opts.strict) throw new DataFolderError(`${usage.failed} usage file(s) in ${opts.data} have rejected rows or cannot be read (see above).`);
    });

  addOpsCommands(program);
  addSourcesCommands(program);
  return program;
}

async function runSimulation(opts: { data: string; from: string; to: string; out: string; serve?: boolean }): Promise<void> {
  const progress = progressReporter('Simulating');
  let result: SimulateResult;
  try {
    result = await simulate({
      data: resolve(opts.data), from: opts.from, to: opts.to, out: resolve(opts.out), keepRunning: opts.serve,
      onDay: (day, index, total) => progress.update(index + 1, total, day),
    });
  } finally {
    progress.stop();
  }
  printSummary(result);
  if (opts.serve && result.runtime) {
    const runtime = result.runtime;
    console.log(`\nLocal SES inbox: ${runtime.aws.sesInboxUrl}\nPress Ctrl+C to stop.`);
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await runtime.stop();
  }
}

function printSummary(result: SimulateResult): void {
  const rows: [string, string][] = [
    ['days simulated', String(result.days)],
    ['billing runs', `${result.periods.length} (${result.periods.join(', ')})`],
    ...result.sources.map((s): [string, string] => [`source ${s.source}`, s.error ? `FAILED: ${s.error}` : `${s.files} file(s) pulled`]),
    ['invoices', String(result.invoices)],
    ...Object.entries(result.notificationsByKind).map(([kind, n]): [string, string] => [`emails: ${kind}`, String(n)]),
    ['time', `${result.seconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\n' + rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n'));
  console.log(`\nOpen ${resolve(result.out, 'index.html')} in a browser to read the invoices, reports and emails.`);
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof DataFolderError || error instanceof UserError || error instanceof ConnectionError) {
      console.error(error.message);
      return 1;
    }
    console.error(`trueup: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    return 1;
  }
}
