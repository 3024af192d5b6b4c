/**
 * `trueup audit list` (docs/console.md): the audit log of who did what, through the CLI, the
 * console, the portal or a job, newest first.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { date, table, withConnection, type Target } from './ops-commands.js';

function count(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number above 0`);
  return Number(value);
}

export function addAuditCommands(program: Command): void {
  program
    .command('audit')
    .description('the audit log: who did what, through which channel')
    .command('list')
    .description('list the audit log, newest first')
    .option('--from <date>', 'from this day (YYYY-MM-DD)', date)
    .option('--to <date>', 'up to this day, inclusive (YYYY-MM-DD)', date)
    .option('--limit <n>', 'at most this many entries (default 100)', count)
    .option('--outputs <file>', 'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in')
    .action((opts: { from?: string; to?: string; limit?: number } & Target) =>
      withConnection(opts, async (c) => {
        const entries = await c.deps.ledger.listAudit({
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.to ? { to: opts.to } : {}),
          limit: opts.limit ?? 100,
        });
        if (entries.length === 0) return console.log('No audit entries.');
        console.log(
          table([
            ['at', 'who', 'via', 'action', 'subject', 'detail'],
            ...entries.map((e) => [e.at, e.actor.id, e.actor.via, e.action, e.subject, e.detail ?? '']),
          ]),
        );
      }),
    );
}
