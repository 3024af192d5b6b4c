/**
 * The `trueup` CLI: try it locally (simulate, demo), check a data folder (validate), and
 * operate a running pipeline. Errors a user can cause print one clear message and exit 1.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { simulate, DataFolderError, type SimulateResult } from '../functions/local-runner/simulate.js';
import { readDataFolder } from '../functions/adapters/local/read-data-folder.js';
import { checkUsageFiles, formatUsageChecks } from '../functions/local-runner/check-usage.js';
import { formatProblems } from '../functions/domain/reference/index.js';
import { progressReporter } from './progress.js';
import {
  actor,
  addOpsCommands,
  booksLine,
  consoleLine,
  date,
  payLine,
  portalLine,
  untilStopped,
  UserError,
} from './ops-commands.js';
import { serveConsole } from '../functions/local-runner/serve-console.js';
import { addSourcesCommands } from './sources-commands.js';
import { addReviewCommands } from './review-commands.js';
import { addCreditNoteCommands } from './credit-note-commands.js';
import { addChargeCommands } from './charge-commands.js';
import { addStatementCommands } from './statement-commands.js';
import { addExportCommands } from './export-commands.js';
import { addBooksCommands } from './books-commands.js';
import { addBooksConnectCommand } from './books-connect.js';
import { addAuditCommands } from './audit-commands.js';
import { addPortalCommands } from './portal-commands.js';
import { readSourcesFile, remoteHosts, SourcesConfigError } from '../functions/collect/sources-config.js';
import { ConnectionError } from './connection.js';
import { OutputFolderError } from '../functions/local-runner/output-folder.js';
import { DynamoDbLocalUnavailable } from '../functions/adapters/local/dynamodb-local.js';

const DEMO = { data: 'examples/acme-it', from: '2026-01-01', to: '2026-04-10', out: 'out/demo' };

const PULL = [
  '--pull',
  'also pull the sources.json sources that talk to hosts outside this machine (sending their credentials there)',
] as const;

function packageVersion(): string {
  const json = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return json.version;
}

export function buildProgram(): Command {
  const program = new Command('trueup')
    .description('TrueUp: usage reconciliation, invoicing, dunning and AR reports for MSPs')
    .version(packageVersion(), '-V, --version', 'print the TrueUp version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run trueup --help for usage)')
    .exitOverride();
  program.helpCommand('help [command]', 'show help for a command');

  program
    .command('simulate')
    .description('run the whole pipeline on the embedded AWS stand-in, day by day, and write the outputs')
    .requiredOption('--data <dir>', 'data folder (trueup.json, clients.csv, …, usage/, payments/)')
    .requiredOption('--from <date>', 'first simulated day (YYYY-MM-DD)', date)
    .requiredOption('--to <date>', 'last simulated day (YYYY-MM-DD)', date)
    .requiredOption(
      '--out <dir>',
      `output folder: new, empty, or one TrueUp wrote before (replaced at the end of the run)`,
    )
    .option('--serve', 'keep the local SES inbox and the console open after the run')
    .option(...PULL)
    .action(async (opts: { data: string; from: string; to: string; out: string; serve?: boolean; pull?: boolean }) => {
      await runSimulation(opts);
    });

  program
    .command('demo')
    .description(`simulate the example MSP in ${DEMO.data} from ${DEMO.from} to ${DEMO.to} into ${DEMO.out}`)
    .option('--serve', 'keep the local SES inbox and the console open after the run')
    .option(...PULL)
    .action(async (opts: { serve?: boolean; pull?: boolean }) => {
      await runSimulation({ ...DEMO, serve: opts.serve, pull: opts.pull });
    });

  program
    .command('validate')
    .description('check a data folder and list every problem; writes nothing')
    .requiredOption('--data <dir>', 'data folder')
    .option('--strict', 'also fail (exit 1) when a usage row would be rejected or a usage file cannot be read')
    .action(async (opts: { data: string; strict?: boolean }) => {
      const folder = await readDataFolder(resolve(opts.data));
      if (!folder.ok)
        throw new DataFolderError(
          `${folder.problems.length} problem(s) in ${opts.data}:\n${formatProblems(folder.problems)}`,
        );
      const sources = await readSourcesFile(resolve(opts.data)).catch((error: unknown) => {
        throw error instanceof SourcesConfigError ? new DataFolderError(`${error.message}`) : error;
      });
      if (folder.warnings.length > 0)
        console.log(`${folder.warnings.length} warning(s) in ${opts.data}:\n${formatProblems(folder.warnings)}`);
      const r = folder.value.reference;
      const pulls =
        sources.sources.length + sources.expectedFeeds.length > 0
          ? `, ${sources.sources.length} pull source(s), ${sources.expectedFeeds.length} expected feed(s)`
          : '';
      console.log(
        `${opts.data} is valid: ${r.clients.length} clients, ${r.accounts.length} accounts, ${r.products.length} products, ${r.skuMap.length} sku mappings, ${r.agreements.length} agreement lines, ${folder.value.payments.length} payments, ${folder.value.usageFiles.length} usage files${pulls}.`,
      );
      const remote = sources.sources.filter((s) => s.enabled !== false && remoteHosts(s).length > 0);
      if (remote.length > 0) {
        console.log(
          `simulate and demo pull ${remote.map((s) => `"${s.name}" (${remoteHosts(s).join(', ')})`).join(', ')} only with --pull: they talk to hosts outside this machine.`,
        );
      }
      // The usage files too, as simulate would ingest them. A rejected row does not stop simulate
      // (the rest of the file flows), so it fails the check only with --strict.
      const usage = formatUsageChecks(await checkUsageFiles(folder.value.usage));
      if (usage.text) console.log(usage.text);
      if (usage.failed > 0 && opts.strict)
        throw new DataFolderError(
          `${usage.failed} usage file(s) in ${opts.data} have rejected rows or cannot be read (see above).`,
        );
    });

  addOpsCommands(program);
  addSourcesCommands(program);
  addReviewCommands(program);
  addCreditNoteCommands(program);
  addChargeCommands(program);
  addStatementCommands(program);
  addExportCommands(program);
  addBooksCommands(program);
  addAuditCommands(program);
  addPortalCommands(program);
  // After any module that makes `accounting` itself: connect joins that command.
  addBooksConnectCommand(program);
  return program;
}

async function runSimulation(opts: {
  data: string;
  from: string;
  to: string;
  out: string;
  serve?: boolean;
  pull?: boolean;
}): Promise<void> {
  if (opts.from > opts.to) throw new UserError(`--from ${opts.from} is after --to ${opts.to}: nothing to simulate.`);
  const progress = progressReporter('Simulating');
  let result: SimulateResult;
  try {
    result = await simulate({
      data: resolve(opts.data),
      from: opts.from,
      to: opts.to,
      out: resolve(opts.out),
      keepRunning: opts.serve,
      pull: opts.pull,
      onDay: (day, index, total) => progress.update(index + 1, total, day),
    });
  } finally {
    progress.stop();
  }
  printSummary(result);
  if (opts.serve && result.runtime) {
    const runtime = result.runtime;
    runtime.payments?.live(); // a click on Pay now pays, and the receipt reaches the inbox
    const web = await serveConsole(runtime, { id: actor(), role: 'admin' });
    console.log(
      `\nLocal SES inbox: ${runtime.aws.sesInboxUrl}\n${consoleLine(web.url)}${portalLine(runtime)}${payLine(runtime)}${booksLine(runtime)}Press Ctrl+C to stop.`,
    );
    await untilStopped();
    await web.stop();
    await runtime.stop();
  }
}

function printSummary(result: SimulateResult): void {
  const rows: [string, string][] = [
    ['days simulated', String(result.days)],
    ['billing runs', `${result.periods.length} (${result.periods.join(', ')})`],
    ...result.sources.map((s): [string, string] => [
      `source ${s.source}`,
      s.skipped ? `skipped: ${s.skipped}` : s.error ? `FAILED: ${s.error}` : `${s.files} file(s) pulled`,
    ]),
    ['invoices', String(result.invoices)],
    ...Object.entries(result.notificationsByKind).map(([kind, n]): [string, string] => [`emails: ${kind}`, String(n)]),
    ['time', `${result.seconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\n' + rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n'));
  if (result.warnings.length > 0)
    console.log(`\n${result.warnings.length} warning(s) in the data folder:\n${result.warnings.join('\n')}`);
  console.log(`\nOpen ${resolve(result.out, 'index.html')} in a browser to read the invoices, reports and emails.`);
}

/**
 * Commander reports a missing required option before an unknown one, so `--dat x` would read
 * "required option '--data <dir>' not specified". Parse the options once on a throw-away copy
 * of the program and name the unknown option first, with commander's "Did you mean" suggestion.
 */
function rejectUnknownOptions(argv: readonly string[]): void {
  let command = buildProgram();
  let args = argv.slice(2);
  for (;;) {
    const next = command.commands.find((c) => c.name() === args[0] || c.aliases().includes(args[0] ?? ''));
    if (!next) break;
    command = next;
    args = args.slice(1);
  }
  const { unknown } = command.parseOptions(args);
  const option = unknown[0];
  // Help and version are answered before any option check.
  if (!option?.startsWith('-') || ['--', '-h', '--help', '-V', '--version'].includes(option)) return;
  (command as unknown as { unknownOption(flag: string): never }).unknownOption(option);
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    rejectUnknownOptions(argv);
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (
      error instanceof DataFolderError ||
      error instanceof UserError ||
      error instanceof ConnectionError ||
      error instanceof OutputFolderError ||
      error instanceof DynamoDbLocalUnavailable
    ) {
      console.error(error.message);
      return 1;
    }
    console.error(`trueup: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
