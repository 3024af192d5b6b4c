/**
 * What an invoice shows, computed once for the PDF, the HTML page and the email: the lines
 * grouped by kind in SPEC.md's order, the usage behind true-ups and credits, the totals and
 * the payment terms. Everything here is text; the renderers only lay it out (and escape it).
 */
import { daysBetween } from '../domain/dates.js';
import { decimalText, formatMoney, formatQuantity, minorUnits, type Dec } from '../domain/money.js';
import type { InvoiceLine, InvoiceLineKind } from '../domain/types.js';
import type { InvoiceView } from './email-content.js';

export const KIND_ORDER: readonly InvoiceLineKind[] = ['recurring', 'true_up', 'credit', 'usage', 'late_fee'];

export const KIND_LABELS: Readonly<Record<InvoiceLineKind, string>> = {
  recurring: 'Recurring', true_up: 'True-up', credit: 'Credits', usage: 'Usage', late_fee: 'Late fees',
};

export interface LineRow {
  readonly description: string;
  /** Second, smaller line under the description: sku, service period, usage behind it. */
  readonly detail: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly amount: string;
}

export interface LineGroup {
  readonly kind: InvoiceLineKind;
  readonly label: string;
  readonly rows: readonly LineRow[];
}

export interface TotalRow {
  readonly label: string;
  readonly value: string;
  readonly strong?: boolean;
}

export interface InvoiceModel {
  readonly title: string;
  readonly from: { readonly name: string; readonly address: readonly string[]; readonly email: string };
  readonly billTo: { readonly name: string; readonly clientId: string; readonly emails: string };
  readonly meta: readonly TotalRow[];
  readonly currency: string;
  readonly groups: readonly LineGroup[];
  readonly totals: readonly TotalRow[];
  readonly balanceDue: string;
  readonly status: string;
  readonly termsDays: number;
  readonly terms: readonly string[];
}

/** `1 Main St, Springfield` or a multi-line address: one entry per printed line. */
function addressLines(address: string): string[] {
  return address.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2025-01` → `January 2025`; anything else as given. */
export function periodLabel(period: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(period);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && month ? `${month} ${match[1]}` : period;
}

/** Tax rate as a percent without trailing zeros: `8.25%`. */
export function taxRateLabel(rate: Dec): string {
  return `${formatQuantity(rate)}%`;
}

/** A unit price with at least the currency's minor digits, more when it has them: `12.50`, `0.0425`. */
export function unitPriceLabel(price: Dec, currency: string): string {
  const text = decimalText(price, Math.max(minorUnits(currency), price.decimalPlaces()));
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

function lineDetail(line: InvoiceLine, view: InvoiceView): string {
  const parts: string[] = [];
  if (line.sku) parts.push(line.sku);
  if (line.period) parts.push(periodLabel(line.period));
  if (line.feeOf) parts.push(`charged ${line.feeOf.chargedOn}`);
  if ((line.kind === 'true_up' || line.kind === 'credit') && line.sku) {
    const usage = view.usage?.[line.sku];
    if (usage) {
      const difference = usage.used.minus(usage.contracted);
      parts.push(`usage: ${formatQuantity(usage.used)} used vs ${formatQuantity(usage.contracted)} contracted (${difference.isNegative() ? '' : '+'}${formatQuantity(difference)})`);
    }
  }
  return parts.join(' · ');
}

export function invoiceModel(view: InvoiceView): InvoiceModel {
  const { invoice, client, settings } = view;
  const money = (value: Dec): string => formatMoney(value, invoice.currency);
  const groups: LineGroup[] = [];
  for (const kind of KIND_ORDER) {
    const lines = invoice.lines.filter((l) => l.kind === kind);
    if (lines.length === 0) continue;
    groups.push({
      kind, label: KIND_LABELS[kind],
      rows: lines.map((line) => ({
        description: line.description, detail: lineDetail(line, view),
        quantity: formatQuantity(line.quantity), unitPrice: unitPriceLabel(line.unitPrice, invoice.currency), amount: money(line.amount),
      })),
    });
  }
  // The issued invoice fixes its own terms: due date minus issue date, whatever the client's
  // terms are today.
  const termsDays = daysBetween(invoice.issueDate, invoice.dueDate);
  return {
    title: `Invoice ${invoice.number}`,
    from: { name: settings.msp.name, address: addressLines(settings.msp.address), email: settings.msp.email },
    billTo: { name: client.name, clientId: client.clientId, emails: client.billingEmails.join(', ') },
    meta: [
      { label: 'Invoice number', value: invoice.number },
      { label: 'Issue date', value: invoice.issueDate },
      { label: 'Due date', value: invoice.dueDate },
      { label: 'Billing period', value: `${periodLabel(invoice.period)} (${invoice.period})` },
    ],
    currency: invoice.currency,
    groups,
    totals: [
      { label: 'Subtotal', value: money(invoice.subtotal) },
      { label: `Tax (${taxRateLabel(client.taxRate)})`, value: money(invoice.tax) },
      { label: 'Total', value: `${invoice.currency} ${money(invoice.total)}`, strong: true },
      { label: 'Amount paid', value: money(view.paid) },
      { label: 'Balance due', value: `${invoice.currency} ${money(view.balance)}`, strong: true },
    ],
    balanceDue: `${invoice.currency} ${money(view.balance)}`,
    status: view.status,
    termsDays,
    terms: [
      `Payment due within ${termsDays} days of the invoice date, by ${invoice.dueDate}.`,
      `Please quote invoice number ${invoice.number} as the payment reference.`,
      `Amounts are in ${invoice.currency}. Questions about this invoice: ${settings.msp.email}.`,
    ],
  };
}
