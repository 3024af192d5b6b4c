/**
 * `trueup credit-notes issue|list|show` and `trueup invoices void` (docs/credit-notes.md). Each
 * acts on a running local stand-in or, with `--outputs FILE`, on a deployed stack. Re-running
 * the same command issues nothing new: the request key is derived from its inputs and date.
 */
import { Command, InvalidArgumentError } from 'commander';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { creditNoteJson } from '../functions/app/credit-note-json.js';
import { issueCreditNote, voidInvoice, type CreditNoteOutcome } from '../functions/app/credit-notes.js';
import type { Deps } from '../functions/app/deps.js';
import { requireReference } from '../functions/app/run-billing.js';
import { CreditNoteRefused } from '../functions/domain/credit-note.js';
import { dateInZone } from '../functions/domain/dates.js';
import { formatMoney, parseDecimal, roundMoney, type Dec } from '../functions/domain/money.js';
import { connect, type Connection } from './connection.js';
import { date, UserError } from './ops-commands.js';

interface Target {
  outputs?: string;
}

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;

async function withConnection<T>(target: Target, act: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(target);
  try {
    return await act(connection);
  } catch (error) {
    // A refusal is the user's to fix: its message, no stack.
    if (error instanceof CreditNoteRefused) throw new UserError(`${error.message}. Nothing was issued.`);
    throw error;
  } finally {
    connection.close();
  }
}

/** Today in the MSP's time zone, unless given (the CLI is an edge; the domain never reads the clock). */
async function today(deps: Deps, given?: string): Promise<string> {
  return given ?? dateInZone(new Date(), (await requireReference(deps)).settings.timezone);
}

function amount(value: string): Dec {
  const parsed = parseDecimal(value);
  if (!parsed || !parsed.greaterThan(0))
    throw new InvalidArgumentError(`"${value}" is not an amount above 0 like 120.50`);
  return parsed;
}

function lineNumber(value: string, previous: number[] = []): number[] {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`"${value}" is not an invoice line number (1, 2, …)`);
  return [...previous, Number(value)];
}

/** The default request key: the same command on the same day is the same request. */
export function defaultRequestKey(input: {
  invoice: string;
  amount?: string;
  lines?: readonly number[];
  reason: string;
  asClientCredit: boolean;
  date: string;
}): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        input.invoice,
        input.amount ?? null,
        input.lines ?? null,
        input.reason.trim(),
        input.asClientCredit,
        input.date,
      ]),
    )
    .digest('hex');
  return `cli#${input.invoice}#${input.date}#${digest.slice(0, 16)}`;
}

function describeOutcome(outcome: CreditNoteOutcome, balance: string | undefined): string {
  const { note } = outcome;
  const money = (value: Dec): string => `${formatMoney(value, note.currency)} ${note.currency}`;
  if (outcome.result === 'duplicate')
    return `Credit note ${note.number} was already issued for this request (${money(note.total)} on ${note.invoiceNumber}); nothing new was issued.${outcome.emailed ? ' Its email is now sent.' : ''}`;
  return [
    `Issued credit note ${note.number} for ${note.invoiceNumber}: ${money(note.total)} (${formatMoney(note.subtotal, note.currency)} + tax ${formatMoney(note.tax, note.currency)}).`,
    note.void
      ? `${note.invoiceNumber} is void: balance 0, no more dunning; it keeps its number.`
      : `${money(note.applied)} applied to ${note.invoiceNumber}${balance === undefined ? '' : `; its balance is now ${balance} ${note.currency}`}.`,
    ...(note.clientCredit.greaterThan(0)
      ? [`${money(note.clientCredit)} kept as client credit for ${note.clientId}'s next invoices.`]
      : []),
    outcome.emailed ? 'Emailed to the client with the PDF attached.' : '',
  ]
    .filter(Boolean)
    .join('\n');
}

async function balanceOf(c: Connection, number: string, currency: string): Promise<string | undefined> {
  const account = await c.deps.ledger.getInvoice(number);
  return account ? formatMoney(roundMoney(account.invoice.total.minus(account.paid), currency), currency) : undefined;
}

export function addCreditNoteCommands(program: Command): void {
  const notes = program.command('credit-notes').description('issue, list and show credit notes');
  notes
    .command('issue')
    .description('issue a credit note for an invoice and email it to the client')
    .requiredOption('--invoice <number>', 'the invoice credited')
    .option('--amount <amount>', 'credit this amount, before tax (tax is reversed at the client rate)', amount)
    .option('--line <k...>', 'credit these invoice lines (1-based) in full', lineNumber)
    .requiredOption('--reason <text>', 'why: printed on the credit note')
    .option('--as-client-credit', 'keep what goes above the open balance as credit for the next invoices')
    .option('--date <date>', 'the issue date (default today)', date)
    .option('--by <name>', 'who issues it (default: your user name)')
    .option('--key <key>', 'the request key (default: derived from the inputs and the date)')
    .option(...OUTPUTS)
    .action(
      (
        opts: {
          invoice: string;
          amount?: Dec;
          line?: number[];
          reason: string;
          asClientCredit?: boolean;
          date?: string;
          by?: string;
          key?: string;
        } & Target,
      ) =>
        withConnection(opts, async (c) => {
          if ((opts.amount === undefined) === (opts.line === undefined))
            throw new UserError('Give either --amount X or --line K (one or more), not both.');
          if (opts.reason.trim() === '') throw new UserError('--reason must not be empty.');
          const on = await today(c.deps, opts.date);
          const requestKey =
            opts.key ??
            defaultRequestKey({
              invoice: opts.invoice,
              ...(opts.amount ? { amount: opts.amount.toFixed() } : {}),
              ...(opts.line ? { lines: opts.line } : {}),
              reason: opts.reason,
              asClientCredit: opts.asClientCredit ?? false,
              date: on,
            });
          const outcome = await issueCreditNote(c.deps, {
            invoiceNumber: opts.invoice,
            ...(opts.amount ? { amount: opts.amount } : {}),
            ...(opts.line ? { lines: opts.line } : {}),
            reason: opts.reason,
            asClientCredit: opts.asClientCredit ?? false,
            today: on,
            by: opts.by ?? userInfo().username,
            requestKey,
          });
          console.log(describeOutcome(outcome, await balanceOf(c, opts.invoice, outcome.note.currency)));
        }),
    );
  notes
    .command('list')
    .description('list every credit note')
    .option(...OUTPUTS)
    .action((opts: Target) =>
      withConnection(opts, async (c) => {
        const list = (await c.deps.ledger.listCreditNotes()).map(creditNoteJson);
        if (list.length === 0) {
          console.log('No credit notes.');
          return;
        }
        const rows = [
          ['number', 'invoice', 'client', 'date', 'total', 'applied', 'client credit', 'void', 'reason'],
          ...list.map((n) => [
            n.number,
            n.invoiceNumber,
            n.clientId,
            n.issueDate,
            `${n.total} ${n.currency}`,
            n.applied,
            n.clientCredit,
            n.void ? 'void' : '',
            n.reason,
          ]),
        ];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
        console.log(
          rows
            .map((r) =>
              r
                .map((cell, i) => cell.padEnd(widths[i] ?? 0))
                .join('  ')
                .trimEnd(),
            )
            .join('\n'),
        );
      }),
    );
  notes
    .command('show')
    .description('print one credit note as JSON')
    .argument('<number>', 'the credit note number')
    .option(...OUTPUTS)
    .action((number: string, opts: Target) =>
      withConnection(opts, async (c) => {
        const note = await c.deps.ledger.getCreditNote(number);
        if (!note) throw new UserError(`No credit note ${number}.`);
        console.log(JSON.stringify(creditNoteJson(note), null, 2));
      }),
    );

  const invoices = program.commands.find((command) => command.name() === 'invoices') ?? program.command('invoices');
  invoices
    .command('void')
    .description('void an invoice nothing was paid on: its full credit note is issued and emailed')
    .argument('<number>', 'the invoice number')
    .requiredOption('--reason <text>', 'why: printed on the credit note')
    .option('--date <date>', 'the day of the void (default today)', date)
    .option('--by <name>', 'who voids it (default: your user name)')
    .option(...OUTPUTS)
    .action((number: string, opts: { reason: string; date?: string; by?: string } & Target) =>
      withConnection(opts, async (c) => {
        if (opts.reason.trim() === '') throw new UserError('--reason must not be empty.');
        const outcome = await voidInvoice(c.deps, {
          invoiceNumber: number,
          reason: opts.reason,
          today: await today(c.deps, opts.date),
          by: opts.by ?? userInfo().username,
        });
        console.log(describeOutcome(outcome, undefined));
      }),
    );
}
