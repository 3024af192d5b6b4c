/** An invoice in the JSON of docs/contract.md §9 shape, with status and balance as of a date. */
import { invoiceBalance } from '../domain/invoice-balance.js';
import type { IsoDate } from '../domain/dates.js';
import { formatMoney, formatQuantity } from '../domain/money.js';
import type { InvoiceAccount } from '../domain/billing-types.js';

export interface InvoiceJson {
  number: string;
  clientId: string;
  period: string;
  currency: string;
  issueDate: string;
  dueDate: string;
  lines: Array<{
    kind: string;
    sku: string | null;
    period: string | null;
    description: string;
    quantity: string;
    unitPrice: string;
    amount: string;
  }>;
  subtotal: string;
  tax: string;
  total: string;
  status: string;
  balance: string;
}

export function invoiceJson(account: InvoiceAccount, asOf: IsoDate): InvoiceJson {
  const { invoice } = account;
  const money = (value: Parameters<typeof formatMoney>[0]): string => formatMoney(value, invoice.currency);
  const { balance, status } = invoiceBalance(account, asOf);
  return {
    number: invoice.number,
    clientId: invoice.clientId,
    period: invoice.period,
    currency: invoice.currency,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    lines: invoice.lines.map((l) => ({
      kind: l.kind,
      sku: l.sku ?? null,
      period: l.period ?? null,
      description: l.description,
      quantity: formatQuantity(l.quantity),
      unitPrice: formatQuantity(l.unitPrice),
      amount: money(l.amount),
    })),
    subtotal: money(invoice.subtotal),
    tax: money(invoice.tax),
    total: money(invoice.total),
    status,
    balance: money(balance),
  };
}
