/** A credit note as JSON (`credit-notes/<number>.json`, `OUT/credit-notes/<number>.json`): money with the currency's minor digits. */
import { formatMoney, formatQuantity } from '../domain/money.js';
import type { CreditNote } from '../domain/billing-types.js';

export interface CreditNoteJson {
  number: string;
  invoiceNumber: string;
  clientId: string;
  currency: string;
  issueDate: string;
  reason: string;
  void: boolean;
  lines: Array<{
    description: string;
    sku: string | null;
    period: string | null;
    invoiceLine: number | null;
    quantity: string;
    unitPrice: string;
    amount: string;
    taxable: boolean;
  }>;
  subtotal: string;
  tax: string;
  total: string;
  /** What reduced the invoice's balance. */
  applied: string;
  /** What is kept for the client's next invoices. */
  clientCredit: string;
  by: string | null;
}

export function creditNoteJson(note: CreditNote): CreditNoteJson {
  const money = (value: CreditNote['total']): string => formatMoney(value, note.currency);
  return {
    number: note.number,
    invoiceNumber: note.invoiceNumber,
    clientId: note.clientId,
    currency: note.currency,
    issueDate: note.issueDate,
    reason: note.reason,
    void: note.void,
    lines: note.lines.map((l) => ({
      description: l.description,
      sku: l.sku ?? null,
      period: l.period ?? null,
      invoiceLine: l.invoiceLine ?? null,
      quantity: formatQuantity(l.quantity),
      unitPrice: formatQuantity(l.unitPrice),
      amount: money(l.amount),
      taxable: l.taxable,
    })),
    subtotal: money(note.subtotal),
    tax: money(note.tax),
    total: money(note.total),
    applied: money(note.applied),
    clientCredit: money(note.clientCredit),
    by: note.by ?? null,
  };
}
