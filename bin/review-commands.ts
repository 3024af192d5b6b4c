/**
 * Review before sending (docs/review.md): `trueup invoices drafts`, `invoices approve` and
 * `invoices hold`, beside the other `invoices` commands. Each acts on a running local stand-in
 * or, with `--outputs FILE`, on a deployed stack. `trueup run billing --replan` is in
 * ops-commands.ts.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { userInfo } from 'node:os';
import { approveDraftsAudited, holdDraftAudited } from '../functions/app/audited-actions.js';
import { draftLines, ReviewError } from '../functions/app/review-drafts.js';
import { requireReference } from '../functions/app/run-billing.js';
import type { StoredDraft } from '../functions/app/ports.js';
import { formatMoney } from '../functions/domain/money.js';
import { date, drainAll, table, today, UserError, withConnection, type Target } from './ops-commands.js';

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;

/** `YYYY-MM`, a billing period. */
function period(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not a billing period written YYYY-MM`);
  return value;
}

/** Who acts: `--by`, else the user name of this machine's account. */
function actor(by: string | undefined): string {
  const given = by?.trim();
  if (given) return given;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A mistake in the request (unknown client, nothing to hold) as a one-line user error. */
async function asUserError<T>(act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    throw error instanceof ReviewError ? new UserError(error.message) : error;
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function describe(d: StoredDraft): string {
  return d.status === 'approved'
    ? `approved ${d.approvedOn ?? ''} by ${d.by ?? '?'}`
    : d.status === 'held'
      ? `held by ${d.by ?? '?'}: ${d.holdReason ?? ''}`
      : 'awaiting review';
}

export function addReviewCommands(program: Command): void {
  const invoices =
    program.commands.find((c) => c.name() === 'invoices') ?? program.command('invoices').description('invoices');

  invoices
    .command('drafts')
    .description('list the drafts held for review (invoice.review: "hold"), newest period last')
    .option('--period <period>', 'only the drafts of this billing period (YYYY-MM)', period)
    .option(...OUTPUTS)
    .action((opts: { period?: string } & Target) =>
      withConnection(opts, async (c) => {
        const reference = await requireReference(c.deps);
        const drafts = await c.deps.ledger.listDrafts(opts.period);
        if (drafts.length === 0) {
          console.log(`No drafts${opts.period ? ` for ${opts.period}` : ''}.`);
          return;
        }
        const lines = draftLines(reference, drafts);
        console.log(
          table([
            ['period', 'client', 'name', 'total', 'created', 'number', 'state'],
            ...drafts.map((d, i) => {
              const l = lines[i]!;
              return [
                d.period,
                d.clientId,
                l.clientName,
                `${formatMoney(l.total, l.currency)} ${l.currency}`,
                d.createdOn,
                d.number ?? '',
                describe(d),
              ];
            }),
          ]),
        );
      }),
    );

  invoices
    .command('approve')
    .description(
      'approve drafts: each takes the next invoice number (client_id order), dated the approval day, and is sent',
    )
    .requiredOption('--period <period>', 'the billing period of the drafts (YYYY-MM)', period)
    .option('--client <id>', 'a client whose draft to approve (repeat for several)', collect)
    .option('--all', 'every draft of the period awaiting review (held ones stay held)')
    .option('--date <date>', 'the approval day: the invoices are dated it (default today)', date)
    .option('--by <name>', 'who approves (default this account user name)')
    .option(...OUTPUTS)
    .action((opts: { period: string; client?: string[]; all?: boolean; date?: string; by?: string } & Target) => {
      if (Boolean(opts.all) === (opts.client !== undefined))
        throw new UserError('Name the drafts to approve: --client ID (repeatable) or --all, not both.');
      return withConnection(opts, async (c) => {
        const result = await asUserError(async () =>
          approveDraftsAudited(c.deps, {
            period: opts.period,
            ...(opts.all ? { all: true } : { clientIds: opts.client ?? [] }),
            today: await today(c.deps, opts.date),
            actor: { id: actor(opts.by), via: 'cli' },
          }),
        );
        await drainAll(c);
        const out: string[] = [];
        if (result.approved.length > 0) {
          const numbers = result.approved.map((d) => d.number ?? '');
          out.push(
            `Approved ${result.approved.length} draft(s) of ${result.period} on ${result.approved[0]?.approvedOn ?? ''}: ${numbers.length === 1 ? `number ${numbers[0]}` : `numbers ${numbers[0]} to ${numbers.at(-1)}`}.`,
            ...result.approved.map((d) => `  ${d.number ?? ''}  ${d.clientId}`),
          );
        } else out.push(`No draft of ${result.period} was approved now.`);
        if (result.alreadyApproved.length > 0)
          out.push(
            `Approved before (numbers unchanged): ${result.alreadyApproved.map((d) => `${d.clientId} ${d.number ?? ''}`).join(', ')}.`,
          );
        if (result.skippedHeld.length > 0)
          out.push(
            `Held, left alone: ${result.skippedHeld.map((d) => `${d.clientId} (${d.holdReason ?? ''})`).join(', ')}; approve one with --client ID.`,
          );
        out.push(
          result.sent.length > 0
            ? `${result.sent.length} invoice(s) ${c.kind === 'aws' ? 'queued for the invoice worker' : 'issued and emailed'}: ${result.sent.join(', ')}.`
            : 'Nothing left to issue.',
        );
        console.log(out.join('\n'));
      });
    });

  invoices
    .command('hold')
    .description('hold a draft with a reason: approve --all leaves it alone until it is approved by name')
    .requiredOption('--client <id>', 'the client whose draft to hold')
    .requiredOption('--reason <text>', 'why it is held (shown to the billing team)')
    .option('--period <period>', "the drafts' billing period (default: the client's latest unapproved draft)", period)
    .option('--date <date>', 'the day of the hold (default today)', date)
    .option('--by <name>', 'who holds it (default this account user name)')
    .option(...OUTPUTS)
    .action((opts: { client: string; reason: string; period?: string; date?: string; by?: string } & Target) =>
      withConnection(opts, async (c) => {
        const held = await asUserError(async () =>
          holdDraftAudited(c.deps, {
            clientId: opts.client,
            reason: opts.reason,
            ...(opts.period ? { period: opts.period } : {}),
            today: await today(c.deps, opts.date),
            actor: { id: actor(opts.by), via: 'cli' },
          }),
        );
        console.log(
          `The draft of ${held.clientId} for ${held.period} is held by ${held.by ?? '?'}: ${held.holdReason ?? ''}. Approve it with trueup invoices approve --period ${held.period} --client ${held.clientId}.`,
        );
      }),
    );
}
