/**
 * `trueup charges add | list` and `trueup discrepancies bill | credit` (docs/charges.md): one-off
 * charges billed on the client's next invoice or at once on one of their own, and flagged
 * discrepancies turned into charges. The values are checked as charges.csv's are, before
 * anything is stored.
 */
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { addCharge, ChargeError, invoiceChargeNow } from '../functions/app/charges.js';
import { chargeDiscrepancyAudited } from '../functions/app/audited-actions.js';
import { requireReference } from '../functions/app/run-billing.js';
import type { Charge } from '../functions/domain/billing-types.js';
import type { StoredCharge } from '../functions/app/ports.js';
import { formatMoney, formatQuantity, moneyProblem, roundMoney, type Dec } from '../functions/domain/money.js';
import { toDecimal } from '../functions/domain/reference/cell-schemas.js';
import type { Connection } from './connection.js';
import {
  actor,
  cliActor,
  date,
  drainAll,
  table,
  today,
  UserError,
  withConnection,
  type Target,
} from './ops-commands.js';

const OUTPUTS = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;
const BY = ['--by <name>', 'who makes it (default your user name)'] as const;

interface AddOptions extends Target {
  client: string;
  description: string;
  quantity: string;
  unitPrice: string;
  sku?: string;
  taxable?: string;
  date?: string;
  invoiceNow?: boolean;
  id?: string;
  by?: string;
}

/** A use case's refusal as the one-line error the CLI prints. */
async function asUserError<T>(act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if (error instanceof ChargeError) throw new UserError(error.message);
    throw error;
  }
}

/**
 * The charge the options describe, checked as charges.csv rows are: the client and sku exist,
 * decimals are plain, the unit price has at most the currency's minor digits. Without `--id`,
 * the id is derived from the values, so running the same command again adds nothing.
 */
async function chargeOf(c: Connection, opts: AddOptions): Promise<Charge> {
  const reference = await requireReference(c.deps);
  const client = reference.clients.find((x) => x.clientId === opts.client);
  if (!client) throw new UserError(`--client: no client ${JSON.stringify(opts.client)} (see clients.csv).`);
  const description = opts.description.trim();
  if (description === '' || description.length > 500)
    throw new UserError('--description: must be 1 to 500 characters.');
  const quantity = toDecimal(opts.quantity, { above: 0 });
  if (!quantity.ok) throw new UserError(`--quantity: ${quantity.reason}`);
  const unitPrice = toDecimal(opts.unitPrice, { digits: false });
  if (!unitPrice.ok) throw new UserError(`--unit-price: ${unitPrice.reason}`);
  const digits = moneyProblem(unitPrice.value, client.currency);
  if (digits !== undefined) throw new UserError(`--unit-price: ${digits}`);
  if (opts.sku !== undefined && !reference.products.some((p) => p.sku === opts.sku))
    throw new UserError(`--sku: ${JSON.stringify(opts.sku)} is not in products.csv.`);
  if (opts.taxable !== undefined && opts.taxable !== 'true' && opts.taxable !== 'false')
    throw new UserError(`--taxable: must be true or false (got ${JSON.stringify(opts.taxable)}).`);
  const values = {
    clientId: client.clientId,
    date: await today(c.deps, opts.date),
    description,
    quantity: quantity.value,
    unitPrice: unitPrice.value,
    ...(opts.sku !== undefined ? { sku: opts.sku } : {}),
    taxable: opts.taxable !== 'false',
    ...(opts.invoiceNow ? { invoiceNow: true } : {}),
  };
  const id = opts.id?.trim() || `ch-${createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 12)}`;
  return { chargeId: id, ...values, by: actor(opts.by) };
}

function describeCharge(charge: Charge, currency: string): string {
  const amount = roundMoney(charge.quantity.times(charge.unitPrice), currency);
  return `${charge.chargeId} for ${charge.clientId} on ${charge.date}: ${charge.description}, ${formatQuantity(charge.quantity)} × ${formatQuantity(charge.unitPrice)} = ${formatMoney(amount, currency)} ${currency}${charge.taxable ? '' : ' (not taxed)'}`;
}

/** Queues the charge's own invoice and, on the local stand-in, issues and emails it now. */
async function invoiceNow(c: Connection, charge: Charge): Promise<string> {
  const { number, queued } = await asUserError(() =>
    invoiceChargeNow(c.deps, { clientId: charge.clientId, chargeId: charge.chargeId, today: charge.date }),
  );
  await drainAll(c);
  if (queued === 'delivery') return `It is invoiced on ${number} already.`;
  return c.kind === 'aws'
    ? `Queued on invoice ${number}; the invoice worker issues and emails it.`
    : `Invoiced on ${number}.`;
}

export function addChargeCommands(program: Command): void {
  const charges = program.command('charges').description('one-off charges, billed once on an invoice');
  charges
    .command('add')
    .description("add a charge, billed on the client's next invoice (or now, on its own, with --invoice-now)")
    .requiredOption('--client <id>', 'the client (clients.csv client_id)')
    .requiredOption('--description <text>', 'the line text on the invoice')
    .requiredOption('--quantity <q>', 'a decimal above 0')
    .requiredOption('--unit-price <p>', "in the client's currency, at most its minor digits (negative for a credit)")
    .option('--sku <sku>', 'a products.csv sku, shown on the line')
    .option('--taxable <true|false>', 'false: no tax on this line (default true)')
    .option('--date <date>', 'the charge date: billed by the first invoice on or after it (default today)', date)
    .option('--invoice-now', 'invoice it at once on an invoice of its own (a deposit)')
    .option('--id <id>', 'the charge id (default: derived from the values, so a re-run adds nothing)')
    .option(...BY)
    .option(...OUTPUTS)
    .action((opts: AddOptions) =>
      withConnection(opts, async (c) => {
        const charge = await chargeOf(c, opts);
        const currency = (await requireReference(c.deps)).clients.find((x) => x.clientId === charge.clientId)!.currency;
        const added = await asUserError(() => addCharge(c.deps, charge));
        const stored: StoredCharge | undefined = added
          ? charge
          : (await c.deps.ledger.listCharges()).find((x) => x.chargeId === charge.chargeId);
        console.log(
          `${added ? 'Added' : 'Already there, nothing added:'} ${describeCharge(stored ?? charge, currency)}.`,
        );
        if (stored?.invoiceNumber && !opts.invoiceNow) console.log(`It is billed on ${stored.invoiceNumber}.`);
        if (opts.invoiceNow) console.log(await invoiceNow(c, stored ?? charge));
      }),
    );
  charges
    .command('list')
    .description('list the charges, by date, with the invoice that billed each')
    .option('--client <id>', 'only this client')
    .option('--unbilled', 'only those no invoice billed yet')
    .option(...OUTPUTS)
    .action((opts: { client?: string; unbilled?: boolean } & Target) =>
      withConnection(opts, async (c) => {
        const list = (await c.deps.ledger.listCharges()).filter(
          (x) => (!opts.client || x.clientId === opts.client) && (!opts.unbilled || x.invoiceNumber === undefined),
        );
        console.log(
          table([
            ['id', 'client', 'date', 'description', 'quantity', 'unit price', 'taxed', 'invoice', 'by'],
            ...list.map((x) => [
              x.chargeId,
              x.clientId,
              x.date,
              x.description,
              formatQuantity(x.quantity),
              formatQuantity(x.unitPrice),
              x.taxable ? 'yes' : 'no',
              x.invoiceNumber ?? (x.invoiceNow ? 'invoice now' : 'next invoice'),
              x.by ?? '',
            ]),
          ]),
        );
      }),
    );

  const discrepancies = program.commands.find((x) => x.name() === 'discrepancies');
  if (!discrepancies) throw new Error('register the discrepancies command (ops-commands.ts) first');
  for (const action of ['bill', 'credit'] as const) {
    discrepancies
      .command(action)
      .description(
        `${action} a discrepancy as a charge on the client's next invoice; that invoice closes it ${action === 'bill' ? 'billed' : 'credited'}`,
      )
      .argument('<id>', 'the discrepancy id (trueup discrepancies list)')
      .option('--amount <x>', `the amount to ${action} (default its amount at stake)`)
      .option('--date <date>', 'the charge date (default today)', date)
      .option(...BY)
      .option(...OUTPUTS)
      .action((id: string, opts: { amount?: string; date?: string; by?: string } & Target) =>
        withConnection(opts, async (c) => {
          let amount: Dec | undefined;
          if (opts.amount !== undefined) {
            const parsed = toDecimal(opts.amount, { above: 0 });
            if (!parsed.ok) throw new UserError(`--amount: ${parsed.reason}`);
            amount = parsed.value;
          }
          const discrepancy = (await c.deps.ledger.listDiscrepancies()).find((d) => d.id === id);
          if (amount !== undefined && discrepancy) {
            const digits = moneyProblem(amount, discrepancy.currency);
            if (digits !== undefined) throw new UserError(`--amount: ${digits}`);
          }
          const on = await today(c.deps, opts.date);
          const { added, charge } = await asUserError(() =>
            chargeDiscrepancyAudited(c.deps, {
              id,
              action,
              ...(amount !== undefined ? { amount } : {}),
              today: on,
              actor: cliActor(opts.by),
            }),
          );
          const currency = discrepancy?.currency ?? '';
          console.log(
            `${added ? 'Added' : 'Already there, nothing added:'} ${describeCharge(charge, currency)}. The invoice that bills it closes ${id} ${action === 'bill' ? 'billed' : 'credited'}.`,
          );
        }),
      );
  }
}
