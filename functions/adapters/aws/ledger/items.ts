/**
 * The shapes of the ledger's items that more than one aggregate writes or reads (keys and
 * attributes as docs/data-model.md lists them), and how an item becomes a port's value.
 */
import { encode, reviveInvoice } from '../../../app/codec.js';
import type { LedgerInvoice, OutboxEntry, PayableInvoice } from '../../../app/ports.js';
import { Dec } from '../../../domain/money.js';
import type { AppliedPayment, Invoice, LateFee } from '../../../domain/billing-types.js';
import type { Item } from './table.js';

export function lateFeeSk(fee: LateFee): string {
  return `LATEFEE#${fee.invoiceNumber}`;
}

/** A charge: `PK=CLIENT#<client>, SK=CHARGE#<id>`, `invoiceNumber` once billed. */
export function chargeKey(clientId: string, chargeId: string): { PK: string; SK: string } {
  return { PK: `CLIENT#${clientId}`, SK: `CHARGE#${chargeId}` };
}

/** Client credit left by a credit note: `PK=CLIENT#<client>, SK=CREDIT#<note>`, `remaining` a decimal string. */
export function clientCreditKey(clientId: string, creditNote: string): { PK: string; SK: string } {
  return { PK: `CLIENT#${clientId}`, SK: `CREDIT#${creditNote}` };
}

/**
 * A new invoice's item: nothing paid yet; open for dunning unless it is a credit note. Exported
 * for the bench, which seeds thousands of invoices in the ledger's own shape.
 */
export function invoiceItem(invoice: Invoice): Item {
  const open = invoice.total.greaterThan(0);
  return {
    PK: 'INVOICE',
    SK: invoice.number,
    clientId: invoice.clientId,
    data: encode(invoice),
    paid: '0',
    paymentCount: 0,
    ...(open ? { GSI1PK: 'OPEN', GSI1SK: `${invoice.dueDate}#${invoice.number}` } : {}),
  };
}

export function payableInvoice(item: Item): PayableInvoice {
  if (item.paymentCount === undefined) {
    // Invoices stored before payments became items kept them in a `payments` attribute; none
    // were deployed, so they are refused rather than converted.
    throw new Error(
      `Invoice ${String(item.SK)} was stored by an earlier version of TrueUp (its payments inside the invoice item) and cannot be read`,
    );
  }
  return {
    invoice: reviveInvoice(JSON.parse(String(item.data)) as Item),
    paid: new Dec(String(item.paid)),
    paymentCount: Number(item.paymentCount),
  };
}

export function ledgerInvoice(item: Item, payments: readonly AppliedPayment[]): LedgerInvoice {
  return {
    ...payableInvoice(item),
    payments,
    disputedOn: item.disputedOn === undefined ? undefined : String(item.disputedOn),
    ...(item.voidedOn === undefined ? {} : { voidedOn: String(item.voidedOn) }),
    ...(item.disputeReason === undefined ? {} : { disputeReason: String(item.disputeReason) }),
    stepsSent: item.stepsSent instanceof Set ? new Set([...item.stepsSent].map(String)) : new Set(),
    feeCharged: item.feeCharged === true,
  };
}

export function appliedPayment(item: Item): AppliedPayment {
  const p = JSON.parse(String(item.data)) as Item;
  return {
    paymentId: String(p.paymentId),
    amount: new Dec(String(p.amount)),
    receivedOn: String(p.receivedOn),
    ...(p.creditNote === undefined ? {} : { creditNote: String(p.creditNote) }),
  };
}

export function outboxItem(entry: OutboxEntry): Item {
  return { PK: 'OUTBOX', SK: entry.key, status: entry.status, date: entry.date, data: encode(entry) };
}
