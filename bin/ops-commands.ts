/**
 * The operating commands: `local`, `import`, `upload`, `payments import`, `discrepancies`,
 * `invoices`, `report aging` and `run`. Each acts on a running local stand-in or, with
 * `--outputs FILE`, on a deployed stack.
 */
import { Command, InvalidArgumentError } from 'commander';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { applyDuePayments, importPayments } from '../functions/app/apply-payments.js';
import { handleWorkMessage } from '../functions/app/work-messages.js';
import type { Deps } from '../functions/app/deps.js';
import { ActionError, followUpDiscrepancy, uploadUsageFile } from '../functions/app/audited-actions.js';
import type { AuditActor } from '../functions/app/audit-ports.js';
import { ChargeError } from '../functions/app/charges.js';
import { invoiceJson } from '../functions/app/invoice-json.js';
import { requireReference, runBilling } from '../functions/app/run-billing.js';
import { ReviewError } from '../functions/app/review-drafts.js';
import { runDunning } from '../functions/app/run-dunning.js';
import { sendAgingReport, sendReconciliationReport } from '../functions/app/send-reports.js';
import { storeDiscrepancy } from '../functions/app/store-discrepancy.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../functions/app/messages.js';
import { readDataFolder } from '../functions/adapters/local/read-data-folder.js';
import { dateInZone, isIsoDate } from '../functions/domain/dates.js';
import { formatMoney } from '../functions/domain/money.js';
import { formatProblems, parsePayments, type Problem } from '../functions/domain/reference/index.js';
import { decodeBytes } from '../functions/text/decode.js';
import { connect, removeLocalFile, writeLocalFile, type Connection } from './connection.js';
import { startLocalRuntime, type LocalOptions, type LocalRuntime } from '../functions/local-runner/local-runtime.js';
import { booksSystemLabel } from '../functions/render/books-emails.js';
import { serveConsole } from '../functions/local-runner/serve-console.js';
import { readOrCreatePortalKey } from '../functions/adapters/local/local-portal.js';

export class UserError extends Error {}

/** Resolves on the first SIGINT (Ctrl+C), SIGTERM or SIGHUP (terminal closed, parent gone). */
export function untilStopped(): Promise<NodeJS.Signals> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      for (const s of signals) process.off(s, stop);
      done(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}

/** A `--date`-like value: a real calendar day written YYYY-MM-DD. */
export function date(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !isIsoDate(value))
    throw new InvalidArgumentError(`"${value}" is not a real calendar date`);
  if (!isIsoDate(value)) throw new InvalidArgumentError(`"${value}" is not a date in YYYY-MM-DD form`);
  return value;
}

export interface Target {
  outputs?: string;
}

/** Who runs the command, recorded with what they change: `--by`, else the OS user name. */
export function actor(given?: string): string {
  return given?.trim() || userInfo().username;
}

/** The same person as the audit log's actor (audited-actions.ts), acting through the CLI. */
export function cliActor(given?: string): AuditActor {
  return { id: actor(given), via: 'cli' };
}

/** A refused action (audited-actions.ts, review-drafts.ts, charges.ts) as a one-line user error. */
export function userErrorOf(error: unknown): never {
  throw error instanceof ActionError || error instanceof ReviewError || error instanceof ChargeError
    ? new UserError(error.message)
    : error;
}

export async function withConnection<T>(target: Target, act: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(target);
  try {
    return await act(connection);
  } finally {
    connection.close();
  }
}

/** Today in the MSP's time zone (the CLI is an edge; the domain never reads the clock). */
export async function today(deps: Deps, given?: string): Promise<string> {
  return given ?? dateInZone(new Date(), (await requireReference(deps)).settings.timezone);
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function importData(deps: Deps, dir: string): Promise<string> {
  const folder = await readDataFolder(resolve(dir));
  if (!folder.ok)
    throw new UserError(
      `${folder.problems.length} problem(s) in ${dir}; nothing was imported:\n${formatProblems(folder.problems)}`,
    );
  await deps.ledger.saveReferenceData(folder.value.reference);
  const payments = await importPayments(deps, folder.value.payments);
  let charges = 0;
  for (const charge of folder.value.charges) if (await deps.ledger.addCharge(charge)) charges += 1;
  const r = folder.value.reference;
  const newCharges = folder.value.charges.length > 0 ? ` and ${charges} new charges (charges.csv)` : '';
  return `${warningLines(folder.warnings)}Imported ${r.clients.length} clients, ${r.accounts.length} accounts, ${r.products.length} products, ${r.skuMap.length} sku mappings, ${r.agreements.length} agreement lines and ${payments} new payments${newCharges}.`;
}

/** The warnings of a file or folder read, one line each and a heading, or nothing. */
function warningLines(warnings: readonly Problem[]): string {
  return warnings.length === 0 ? '' : `${warnings.length} warning(s):\n${formatProblems(warnings)}\n`;
}

/** Where the billing team's console is served locally (docs/console.md). */
export function consoleLine(url: string): string {
  return `Console: ${url}/\n`;
}

/** Where a person pays locally, when the payment stand-in runs; empty otherwise. */
export function payLine(runtime: LocalRuntime): string {
  if (!runtime.payments) return '';
  return `Payments: Pay links on invoices and emails open ${runtime.payments.endpointUrl}/pay/<invoice>, which hands over to the local checkout at ${runtime.payments.stripe.apiBase} (its Pay button posts signed webhooks back; with \`payments\` in trueup.json).\n`;
}

/** Where the client portal is served, when it is; empty otherwise. */
export function portalLine(runtime: LocalRuntime): string {
  if (!runtime.portal) return '';
  return `Portal: ${runtime.portal.url}/portal/<client>?t=… (a client's link: trueup portal link --client ID; emails carry it with \`portal\` in trueup.json).\n`;
}

/** Where the books stand-in runs, when it does; empty otherwise. */
export function booksLine(runtime: LocalRuntime): string {
  if (!runtime.books) return '';
  return `Books: the ${booksSystemLabel(runtime.books.system)} stand-in at ${runtime.books.url} (trueup accounting publish|status act on it).\n`;
}

/** The books stand-in `trueup local --data DIR` starts: the system DIR's trueup.json publishes to, if any. */
async function localBooksOption(data: string | undefined): Promise<Pick<LocalOptions, 'books'>> {
  if (!data) return {};
  const folder = await readDataFolder(resolve(data));
  const publish = folder.ok ? folder.value.reference.settings.accounting?.publish : undefined;
  return folder.ok && publish ? { books: { system: publish.system, reference: folder.value.reference } } : {};
}

export async function drainAll(c: Connection): Promise<void> {
  if (!c.drain) return;
  await c.drain('work', WorkMessageSchema, (message) => handleWorkMessage(c.deps, message));
  await c.drain('discrepancies', DiscrepancyMessageSchema, async (message) => {
    await storeDiscrepancy(c.deps, message);
  });
}

export function addOpsCommands(program: Command): void {
  const outputs = [
    '--outputs <file>',
    'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
  ] as const;

  program
    .command('local')
    .description('start the embedded AWS stand-in and keep it running for the other commands (Ctrl+C stops it)')
    .option('--data <dir>', 'import this data folder at start')
    .option('--user <name>', 'who uses the console (shown in the audit log; default your user name)')
    .option('--read-only', 'the console user only reads (viewer role)')
    .action(async (opts: { data?: string; user?: string; readOnly?: boolean }) => {
      // With the payment provider's stand-in: Pay links work when trueup.json has `payments`; and
      // the accounting system's, when the data folder's trueup.json has `accounting.publish`.
      // And the client portal, its links signed with the key kept in .trueup/portal-key.
      const runtime = await startLocalRuntime({
        payments: {},
        portal: { key: await readOrCreatePortalKey() },
        ...(await localBooksOption(opts.data)),
      });
      runtime.payments?.live();
      await writeLocalFile(runtime);
      const web = await serveConsole(runtime, { id: actor(opts.user), role: opts.readOnly ? 'viewer' : 'admin' });
      try {
        if (opts.data) console.log(await importData(runtime.deps, opts.data));
        console.log(
          `TrueUp is running locally. SES inbox: ${runtime.aws.sesInboxUrl}\n${consoleLine(web.url)}${portalLine(runtime)}${payLine(runtime)}${booksLine(runtime)}Other commands (trueup upload, invoices list, …) now act on it. Ctrl+C stops it.`,
        );
        await untilStopped();
      } finally {
        await web.stop();
        await removeLocalFile(runtime);
        await runtime.stop();
      }
    });

  program
    .command('import')
    .description('validate a data folder and import it (reference data and payments)')
    .requiredOption('--data <dir>', 'data folder')
    .option(...outputs)
    .action((opts: { data: string } & Target) =>
      withConnection(opts, async (c) => console.log(await importData(c.deps, opts.data))),
    );

  program
    .command('upload')
    .description('drop a usage file into the inbox (ingested at once)')
    .argument('<file>', 'the usage file (any format TrueUp reads)')
    .option('--date <date>', 'ingest date (default today)', date)
    .option(...outputs)
    .action((file: string, opts: { date?: string } & Target) =>
      withConnection(opts, async (c) => {
        if (!(await stat(file).catch(() => undefined))?.isFile()) throw new UserError(`${file}: no such file`);
        const { key, ingested } = await uploadUsageFile(c.deps, {
          name: basename(file),
          body: createReadStream(file), // streamed: a usage file may exceed memory
          ingest: c.kind !== 'aws',
          today: await today(c.deps, opts.date),
          actor: cliActor(),
        });
        if (!ingested) return console.log(`Uploaded to ${key}; the ingest function picks it up from the S3 event.`);
        const { record, rejections } = ingested;
        console.log(
          record.duplicateOf
            ? `${record.name} is a duplicate of ${record.duplicateOf}: nothing ingested.`
            : `${record.name} (${record.format ?? 'unreadable'}): ${record.rowsRead} read, ${record.rowsAccepted} accepted, ${record.rowsRejected} rejected, ${record.rowsDuplicate} duplicate.${record.fileError ? `\n${record.fileError}` : ''}`,
        );
        for (const r of rejections.slice(0, 20))
          console.log(`  line ${r.line}${r.field ? `, ${r.field}` : ''}: ${r.reason}`);
        if (rejections.length > 20)
          console.log(`  … and ${rejections.length - 20} more (see the rejected/ prefix of the usage bucket)`);
      }),
    );

  program
    .command('payments')
    .description('record payments received')
    .command('import')
    .description('import a payments CSV and apply what has been received')
    .argument('<file>', 'a payments CSV (columns as payments/*.csv in the data folder)')
    .option('--date <date>', 'apply payments received up to this date (default today)', date)
    .option(...outputs)
    .action((file: string, opts: { date?: string } & Target) =>
      withConnection(opts, async (c) => {
        const parsed = parsePayments(decodeBytes(await readFile(file)), basename(file));
        if (!parsed.ok) throw new UserError(formatProblems(parsed.problems));
        process.stdout.write(warningLines(parsed.warnings));
        const added = await importPayments(c.deps, parsed.value);
        const { applied, unapplied } = await applyDuePayments(c.deps, { today: await today(c.deps, opts.date) });
        await drainAll(c);
        console.log(
          `${added} new payments; ${applied} applied, ${unapplied} unapplied (see trueup discrepancies list).`,
        );
      }),
    );

  const discrepancies = program.command('discrepancies').description('list and follow up discrepancies');
  discrepancies
    .command('list')
    .description('list discrepancies, newest period last')
    .option(
      '--status <status>',
      'only those with this status: open | acknowledged | resolved | dismissed | billed | credited',
    )
    .option(...outputs)
    .action((opts: { status?: string } & Target) =>
      withConnection(opts, async (c) => {
        const all = (await c.deps.ledger.listDiscrepancies()).filter((d) => !opts.status || d.status === opts.status);
        console.log(
          table([
            ['id', 'period', 'type', 'client/vendor', 'sku/account', 'at stake', 'status', 'invoice', 'by'],
            ...all.map((d) => [
              d.id,
              d.period,
              d.type,
              d.clientId ?? d.vendor ?? '',
              d.sku ?? d.accountId ?? d.vendorSku ?? '',
              d.amountAtStake === null ? '' : `${formatMoney(d.amountAtStake, d.currency)} ${d.currency}`,
              d.status,
              d.invoiceNumber ? `${d.invoiceNumber} line ${d.invoiceLine ?? '?'}` : '',
              d.by ? `${d.by}${d.closedOn ? ` ${d.closedOn}` : ''}` : '',
            ]),
          ]),
        );
      }),
    );
  for (const [name, status] of [
    ['ack', 'acknowledged'],
    ['resolve', 'resolved'],
    ['dismiss', 'dismissed'],
  ] as const) {
    discrepancies
      .command(name)
      .description(`mark a discrepancy ${status}`)
      .argument('<id>', 'the discrepancy id (trueup discrepancies list)')
      .option('--note <text>', 'a note kept with the status change')
      .option('--date <date>', 'the day of the change (default today)', date)
      .option('--by <name>', 'who makes the change (default your user name)')
      .option(...outputs)
      .action((id: string, opts: { note?: string; date?: string; by?: string } & Target) =>
        withConnection(opts, async (c) => {
          const d = await followUpDiscrepancy(c.deps, {
            id,
            status,
            ...(opts.note !== undefined ? { note: opts.note } : {}),
            today: await today(c.deps, opts.date),
            actor: cliActor(opts.by),
          }).catch(userErrorOf);
          console.log(`${d.id} is now ${d.status}.`);
        }),
      );
  }

  const invoices = program.command('invoices').description('list, show and dispute invoices');
  invoices
    .command('list')
    .description('list every invoice with its balance and status')
    .option('--open', 'only invoices still being dunned')
    .option(...outputs)
    .action((opts: { open?: boolean } & Target) =>
      withConnection(opts, async (c) => {
        const asOf = await today(c.deps);
        const list = (await c.deps.ledger.listInvoices({ openOnly: opts.open })).map((i) => invoiceJson(i, asOf));
        console.log(
          table([
            ['number', 'client', 'period', 'due', 'total', 'balance', 'status'],
            ...list.map((i) => [
              i.number,
              i.clientId,
              i.period,
              i.dueDate,
              `${i.total} ${i.currency}`,
              i.balance,
              i.status,
            ]),
          ]),
        );
      }),
    );
  invoices
    .command('show')
    .description('print one invoice as JSON (with its dispute, if any)')
    .argument('<number>', 'the invoice number')
    .option(...outputs)
    .action((number: string, opts: Target) =>
      withConnection(opts, async (c) => {
        const account = await c.deps.ledger.getInvoice(number);
        if (!account) throw new UserError(`No invoice ${number}.`);
        const dispute = account.disputedOn
          ? { dispute: { on: account.disputedOn, ...(account.disputeReason ? { reason: account.disputeReason } : {}) } }
          : {};
        console.log(JSON.stringify({ ...invoiceJson(account, await today(c.deps)), ...dispute }, null, 2));
      }),
    );
  invoices
    .command('dispute')
    .description('record that the client disputes an invoice: dunning stops for it')
    .argument('<number>', 'the invoice number')
    .option('--reason <text>', "the client's reason, kept with the dispute")
    .option('--date <date>', 'the day of the dispute (default today)', date)
    .option(...outputs)
    .action((number: string, opts: { date?: string; reason?: string } & Target) =>
      withConnection(opts, async (c) => {
        if (!(await c.deps.ledger.getInvoice(number))) throw new UserError(`No invoice ${number}.`);
        await c.deps.ledger.disputeInvoice(number, await today(c.deps, opts.date), opts.reason?.trim() || undefined);
        const stored = await c.deps.ledger.getInvoice(number);
        const reason = stored?.disputeReason ? ` (reason: ${stored.disputeReason})` : '';
        console.log(`${number} is disputed since ${stored?.disputedOn ?? '?'}${reason}: dunning stops for it.`);
      }),
    );

  program
    .command('report')
    .description('print a report')
    .command('aging')
    .description('the AR aging report as of a date (printed as CSV)')
    .option('--as-of <date>', 'the day the balances are aged at (default today)', date)
    .option('--email', 'also email it to the report recipients')
    .option(...outputs)
    .action((opts: { asOf?: string; email?: boolean } & Target) =>
      withConnection(opts, async (c) => {
        const { csv } = await sendAgingReport(c.deps, {
          asOf: await today(c.deps, opts.asOf),
          email: opts.email ?? false,
        });
        process.stdout.write(csv);
      }),
    );

  program
    .command('run')
    .description('run one scheduled job now, as EventBridge would (local stand-in)')
    .argument('<job>', 'billing | dunning | payments | reconciliation-report | aging')
    .option('--date <date>', 'the business date (default today)', date)
    .option('--replan', "billing, hold mode: rebuild the period's unapproved drafts from the data as it is now")
    .action((job: string, opts: { date?: string; replan?: boolean }) =>
      withConnection({}, async (c) => {
        const day = await today(c.deps, opts.date);
        const jobs: Record<string, () => Promise<unknown>> = {
          billing: () =>
            runBilling(c.deps, { today: day, replan: opts.replan }).then(
              async (r) => {
                await drainAll(c);
                if (!r.drafts) return `${r.period}: ${r.planned.length} invoices issued`;
                // Hold mode (docs/review.md): drafts wait for `trueup invoices approve`.
                const waiting = r.drafts.filter((x) => x.status !== 'approved').length;
                return `${r.period}: ${waiting} draft(s) held for review, ${r.planned.length} approved by the auto-approve rules${r.planned.length ? ` (${r.planned.join(', ')})` : ''}; see trueup invoices drafts --period ${r.period}`;
              },
              (error: unknown) => {
                throw error instanceof ReviewError ? new UserError(error.message) : error;
              },
            ),
          dunning: () =>
            runDunning(c.deps, { today: day }).then(async (r) => {
              await drainAll(c);
              return `${r.emails} dunning emails, ${r.lateFees} late fees`;
            }),
          payments: () =>
            applyDuePayments(c.deps, { today: day }).then(async (r) => {
              await drainAll(c);
              return `${r.applied} applied, ${r.unapplied} unapplied`;
            }),
          'reconciliation-report': () =>
            sendReconciliationReport(c.deps, { today: day }).then((sent) => (sent ? 'sent' : 'already sent')),
          aging: () => sendAgingReport(c.deps, { asOf: day, email: true }).then(() => 'sent'),
        };
        const run = jobs[job];
        if (!run) throw new UserError(`Unknown job "${job}": one of ${Object.keys(jobs).join(', ')}.`);
        if (opts.replan && job !== 'billing')
          throw new UserError('--replan is an option of `trueup run billing` only.');
        console.log(`${job} ${day}: ${String(await run())}`);
      }),
    );
}
