/**
 * `trueup portal link --client ID [--days N]` (docs/portal.md): prints a fresh link to one
 * client's portal, signed with the portal's key, working for `--days` (default `portal.linkDays`)
 * from now: what the billing team sends a client who lost the link in their emails.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { portalLinkFor } from '../functions/app/portal/links.js';
import { requireReference } from '../functions/app/run-billing.js';
import { UserError, withConnection, type Target } from './ops-commands.js';

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;

interface LinkOptions extends Target {
  client: string;
  days?: number;
}

function days(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 365)
    throw new InvalidArgumentError(`"${value}" is not a whole number of days from 1 to 365`);
  return n;
}

export function addPortalCommands(program: Command): void {
  const portal = program.command('portal').description("the client portal's links");
  portal
    .command('link')
    .description("print a fresh signed link to one client's portal")
    .requiredOption('--client <id>', 'the client (clients.csv client_id)')
    .option('--days <n>', 'how many days the link works (default portal.linkDays in trueup.json)', days)
    .option(...OUTPUTS)
    .action((opts: LinkOptions) =>
      withConnection(opts, async (c) => {
        const { settings, clients } = await requireReference(c.deps);
        if (!settings.portal)
          throw new UserError('The portal is off: add "portal": {} to trueup.json and import the data folder again.');
        if (!clients.some((client) => client.clientId === opts.client))
          throw new UserError(`--client: No client "${opts.client}" (see clients.csv).`);
        const link = await portalLinkFor(c.deps, settings, opts.client, new Date(), opts.days);
        if (!link)
          throw new UserError(
            c.kind === 'aws'
              ? 'The portal is not deployed with this stack (no portal URL in its outputs).'
              : 'The local TrueUp serves no portal: restart `trueup local`.',
          );
        console.log(link);
      }),
    );
}
