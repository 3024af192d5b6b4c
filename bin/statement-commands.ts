/**
 * `trueup statements send [--client ID] --as-of D` (docs/statements.md): emails the statements
 * of account as of a date, to every client with something open (or a payment that month), or
 * to one. Re-running it sends nothing new: one statement per client per as-of date.
 */
import type { Command } from 'commander';
import { sendStatements, StatementError, type StatementsResult } from '../functions/app/statements.js';
import type { Connection } from './connection.js';
import { date, drainAll, UserError, withConnection, type Target } from './ops-commands.js';

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;

interface SendOptions extends Target {
  asOf: string;
  client?: string;
}

function describe(result: StatementsResult, asOf: string, kind: Connection['kind']): string {
  const list = (ids: readonly string[]): string => ids.join(', ');
  const lines = [
    ...(result.sent.length
      ? [
          `${kind === 'aws' ? 'Queued' : 'Sent'} the statement as of ${asOf} to ${list(result.sent)}${kind === 'aws' ? '; the invoice workers email it.' : '.'}`,
        ]
      : []),
    ...(result.already.length ? [`Already sent as of ${asOf}, nothing new: ${list(result.already)}.`] : []),
    ...(result.nothing.length ? [`No statement (nothing open, no payment that month): ${list(result.nothing)}.`] : []),
  ];
  return lines.join('\n');
}

export function addStatementCommands(program: Command): void {
  const statements = program.command('statements').description('statements of account');
  statements
    .command('send')
    .description('email the statements of account as of a date, once per client and date')
    .requiredOption('--as-of <date>', 'the statement date: open items on that day, payments of its month', date)
    .option('--client <id>', 'only this client (clients.csv client_id)')
    .option(...OUTPUTS)
    .action((opts: SendOptions) =>
      withConnection(opts, async (c) => {
        let result: StatementsResult;
        try {
          result = await sendStatements(c.deps, { asOf: opts.asOf, ...(opts.client ? { clientId: opts.client } : {}) });
        } catch (error) {
          if (error instanceof StatementError) throw new UserError(`--client: ${error.message}`);
          throw error;
        }
        await drainAll(c); // locally the invoice workers run now; on AWS their queue triggers them
        console.log(describe(result, opts.asOf, c.kind));
      }),
    );
}
