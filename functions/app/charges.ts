/**
 * One-off charges (docs/charges.md): stored once by id, billed once, either by the first
 * invoice issued for the client on or after the charge's date (the billing run's plan takes
 * them), or at once on an invoice of its own (`invoiceChargeNow`, for deposits). That invoice
 * takes the next number of the same gapless counter, reserved once under `charge#<id>`, and is
 * claimed by `charge#<id>` instead of (client, period): a retry reserves and issues nothing twice.
 */
import { chargeLines, totals, type InvoiceDraft } from '../domain/calculate-invoice.js';
import { addDays, periodOf, type IsoDate } from '../domain/dates.js';
import type { Charge } from '../domain/billing-types.js';
import { Dec } from '../domain/money.js';
import { encode } from './codec.js';
import type { UseCaseDeps } from './deps.js';
import { issueInvoiceMessage } from './messages.js';
import type { ChargeBook, DiscrepancyStore, InvoiceBook, ReferenceDataStore } from './ports.js';
import { closuresOfLines, invoiceNumber, requireReference } from './run-billing.js';

/** A charge that cannot be made as asked: the message says why, for the person who asked. */
export class ChargeError extends Error {}

export type AddChargeDeps = UseCaseDeps<ReferenceDataStore & ChargeBook>;
export type InvoiceChargeDeps = UseCaseDeps<ReferenceDataStore & ChargeBook & InvoiceBook, 'workQueue' | 'log'>;

/** Stores a charge for a client of the reference data; false when its id is taken (nothing changes). */
export async function addCharge(deps: AddChargeDeps, charge: Charge): Promise<boolean> {
  const reference = await requireReference(deps);
  if (!reference.clients.some((c) => c.clientId === charge.clientId))
    throw new ChargeError(`No client ${charge.clientId} in the reference data`);
  return deps.ledger.addCharge(charge);
}

/** What claims the invoice of its own that a charge is billed on. */
export function chargeClaim(chargeId: string): string {
  return `charge#${chargeId}`;
}

/**
 * Invoices one charge now on its own invoice: period = the month of the charge's date, issued
 * `today`, due after the client's terms, one `charge` line. Queues its `issue_invoice` message
 * (the invoice worker issues and emails it); when the invoice was issued before, queues its
 * delivery again instead (sent once). Returns the invoice number.
 */
export async function invoiceChargeNow(
  deps: InvoiceChargeDeps,
  input: { clientId: string; chargeId: string; today: IsoDate },
): Promise<{ number: string; queued: 'issue' | 'delivery' }> {
  const claim = chargeClaim(input.chargeId);
  const issued = await deps.ledger.invoiceNumberFor(input.clientId, claim);
  if (issued !== undefined) {
    await deps.workQueue.send([{ id: `deliver#${issued}`, body: { type: 'deliver_invoice', number: issued } }]);
    return { number: issued, queued: 'delivery' };
  }
  const reference = await requireReference(deps);
  const client = reference.clients.find((c) => c.clientId === input.clientId);
  if (!client) throw new ChargeError(`No client ${input.clientId} in the reference data`);
  const charge = (await deps.ledger.unbilledCharges(input.clientId)).find((c) => c.chargeId === input.chargeId);
  if (!charge) {
    const billed = (await deps.ledger.listCharges()).find(
      (c) => c.chargeId === input.chargeId && c.clientId === input.clientId,
    );
    throw new ChargeError(
      billed
        ? `Charge ${input.chargeId} is billed on ${billed.invoiceNumber ?? '?'} already`
        : `No charge ${input.chargeId} for client ${input.clientId}`,
    );
  }
  const lines = chargeLines([charge], client.currency);
  const draft: InvoiceDraft = {
    clientId: client.clientId,
    period: periodOf(charge.date),
    currency: client.currency,
    issueDate: input.today,
    dueDate: addDays(input.today, client.paymentTermsDays),
    lines,
    ...totals(lines, client),
  };
  const first = await deps.ledger.reserveInvoiceNumbers(claim, 1);
  const number = invoiceNumber(reference.settings.invoice.prefix, input.today, first);
  const message = issueInvoiceMessage(number, {
    draft: JSON.parse(encode(draft)) as Record<string, unknown>,
    lateFees: [],
    claim,
    closes: closuresOfLines(undefined, client.clientId, draft, [charge]),
  });
  await deps.workQueue.send([{ id: `issue#${number}`, body: message }]);
  deps.log.info('charge invoiced on its own', { chargeId: charge.chargeId, number });
  return { number, queued: 'issue' };
}

/**
 * `trueup discrepancies bill|credit`: a charge of the discrepancy's amount (or `amount`) for its
 * client, dated `today`, naming the discrepancy: the invoice that bills it closes the
 * discrepancy billed or credited in the name of `by`. Its id is derived from the discrepancy's,
 * so running the command again adds nothing (`added` false, the charge as stored).
 */
export async function chargeForDiscrepancy(
  deps: UseCaseDeps<ReferenceDataStore & ChargeBook & DiscrepancyStore>,
  input: { id: string; action: 'bill' | 'credit'; amount?: Dec; today: IsoDate; by: string },
): Promise<{ added: boolean; charge: Charge }> {
  const reference = await requireReference(deps);
  const discrepancy = (await deps.ledger.listDiscrepancies()).find((d) => d.id === input.id);
  if (!discrepancy) throw new ChargeError(`No discrepancy with id ${input.id} (see trueup discrepancies list).`);
  const { clientId } = discrepancy;
  if (clientId === undefined)
    throw new ChargeError(
      `Discrepancy ${input.id} (${discrepancy.type}) names no client: there is no one to ${input.action}. Resolve or dismiss it instead.`,
    );
  if (discrepancy.status === 'billed' || discrepancy.status === 'credited')
    throw new ChargeError(
      `Discrepancy ${input.id} is ${discrepancy.status} already, on ${discrepancy.invoiceNumber ?? '?'} line ${discrepancy.invoiceLine ?? '?'}.`,
    );
  const client = reference.clients.find((c) => c.clientId === clientId);
  if (!client)
    throw new ChargeError(`Discrepancy ${input.id} names client ${clientId}, who is not in the reference data.`);
  if (discrepancy.currency !== client.currency)
    throw new ChargeError(
      `Discrepancy ${input.id} is in ${discrepancy.currency}, but ${clientId} is billed in ${client.currency}: give the charge with trueup charges add instead.`,
    );
  const amount = input.amount ?? discrepancy.amountAtStake;
  if (amount === null) throw new ChargeError(`Discrepancy ${input.id} has no amount at stake: give one with --amount.`);
  if (!amount.greaterThan(0))
    throw new ChargeError(`The amount to ${input.action} must be more than 0 (got ${amount.toString()}).`);
  const product = reference.products.find((p) => p.sku === discrepancy.sku);
  const what = product?.name ?? discrepancy.sku ?? discrepancy.type;
  const charge: Charge = {
    chargeId: `${input.action}-${input.id}`,
    clientId,
    date: input.today,
    description: `${input.action === 'bill' ? 'Adjustment' : 'Credit'}: ${what}, ${discrepancy.period} (discrepancy ${input.id})`,
    quantity: new Dec(1),
    unitPrice: input.action === 'bill' ? amount : amount.negated(),
    ...(product ? { sku: product.sku } : {}),
    taxable: true,
    discrepancyId: input.id,
    by: input.by,
  };
  if (await deps.ledger.addCharge(charge)) return { added: true, charge };
  const stored = (await deps.ledger.listCharges()).find((c) => c.chargeId === charge.chargeId);
  return { added: false, charge: stored ?? charge };
}
