/**
 * What an invoice shows, computed once for the PDF, the HTML page and the email: the lines
 * grouped by kind in the order of docs/contract.md §5, the usage behind true-ups and credits, the totals and
 * the payment terms. Everything here is text; the renderers only lay it out (and escape it).
 */
import { KIND_ORDER, isTaxed } from '../domain/calculate-invoice.js';
import { daysBetween } from '../domain/dates.js';
import { Dec, decimalText, minorUnits } from '../domain/money.js';
import type { Client, InvoiceLine, InvoiceLineKind, Settings } from '../domain/billing-types.js';
import type { InvoiceView } from './email-content.js';
import { formatsFor, localeOf, type Formats } from './format.js';

export const KIND_LABELS: Readonly<Record<InvoiceLineKind, string>> = {
  recurring: 'Recurring',
  true_up: 'True-up',
  credit: 'Credits',
  usage: 'Usage',
  charge: 'Charges',
  late_fee: 'Late fees',
  client_credit: 'Client credit',
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
  /** The big heading (default `INVOICE`), the label of the amount box (default `Balance due`) and of the terms (default `Payment terms`): other documents laid out as an invoice (credit-note-model.ts) set them. */
  readonly heading?: string;
  readonly balanceLabel?: string;
  readonly termsLabel?: string;
  /** The line table's column headings (default Description, Qty, Unit price, Amount (<currency>)): a statement (statement-model.ts) sets them. */
  readonly columns?: ColumnLabels;
  readonly from: {
    readonly name: string;
    readonly address: readonly string[];
    readonly email: string;
    /** `Phone …`, `Tax ID …`: each present only when set. */
    readonly extra: readonly string[];
  };
  readonly billTo: {
    readonly name: string;
    readonly address: readonly string[];
    readonly clientId: string;
    readonly emails: string;
    /** `Tax ID …` when set. */
    readonly extra: readonly string[];
  };
  /** What the invoice covers: `Services March 2026 · adjustments for February 2026`. */
  readonly covers: string;
  readonly meta: readonly TotalRow[];
  readonly currency: string;
  readonly groups: readonly LineGroup[];
  readonly totals: readonly TotalRow[];
  readonly balanceDue: string;
  readonly status: string;
  readonly termsDays: number;
  readonly terms: readonly string[];
  /** How to pay and where to send cheques: lines of `invoice.paymentInstructions` and `invoice.remitTo`. */
  readonly payment: PaymentBlock | undefined;
  /** Texts the HTML keeps on one line (dates, the invoice number). */
  readonly keepWhole: readonly string[];
  readonly locale: string;
  /** A draft held for review: the renderers print a DRAFT watermark. */
  readonly draft: boolean;
  /** The Pay button (docs/payments.md): absent unless the view has a Pay link and a balance to pay. */
  readonly pay?: PayButton;
}

export interface PayButton {
  readonly url: string;
  /** `Pay EUR 1,234.00 online`. */
  readonly label: string;
}

export interface ColumnLabels {
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly amount: string;
}

/** The line table's headings of a model: its own, else the invoice's. */
export function columnLabels(m: Pick<InvoiceModel, 'columns' | 'currency'>): ColumnLabels {
  return (
    m.columns ?? {
      description: 'Description',
      quantity: 'Qty',
      unitPrice: 'Unit price',
      amount: `Amount (${m.currency})`,
    }
  );
}

export interface PaymentBlock {
  readonly instructions: readonly string[];
  readonly remitTo: readonly string[];
}

/** `1 Main St, Springfield` or a multi-line address: one entry per printed line. */
export function addressLines(address: string | undefined): string[] {
  return (address ?? '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** `2025-01` → `January 2025` (en-US); anything else as given. */
export function periodLabel(period: string, locale?: string): string {
  return formatsFor(locale).period(period);
}

/** Tax rate as a percent without trailing zeros: `8.25%`. */
export function taxRateLabel(rate: Dec, locale?: string): string {
  return formatsFor(locale).percent(rate);
}

/** A unit price with at least the currency's minor digits, more when it has them: `12.50`, `0.0425`, `1,250.00`. */
export function unitPriceLabel(price: Dec, currency: string, locale?: string): string {
  const text = decimalText(price, Math.max(minorUnits(currency), price.decimalPlaces()));
  return formatsFor(locale).decimal(/^-0(\.0*)?$/.test(text) ? text.slice(1) : text);
}

/** The usage line's description as calculate-invoice writes it: `<name>, usage <P> at cost <cost> plus <m>%`. */
const USAGE_DESCRIPTION = /^(.*), usage (\d{4}-\d{2}) at cost (-?\d+(?:\.\d+)?) plus (\d+(?:\.\d+)?)%$/s;

/**
 * A line's description for people. A cost-plus usage line states its cost as money, rounded
 * to the currency (`at cost USD 1,024.09 + 15%`), where the stored description (and the JSON)
 * keep the exact cost of the usage rows.
 */
export function lineDescription(line: Pick<InvoiceLine, 'kind' | 'description'>, currency: string, f: Formats): string {
  if (line.kind !== 'usage') return line.description;
  const match = USAGE_DESCRIPTION.exec(line.description);
  if (!match) return line.description;
  const [, name = '', period = '', cost = '0', markup = '0'] = match;
  // A name that already states the markup (`AWS consumption + 15 %`) is not followed by it again.
  const stated = new RegExp(`(^|[^\\d.,])${markup.replace('.', '\\.')}\\s?%`).test(name);
  return `${name}, usage ${f.period(period)} at cost ${f.moneyWithCode(new Dec(cost), currency)}${stated ? '' : ` + ${f.percent(new Dec(markup))}`}`;
}

function lineDetail(line: InvoiceLine, view: InvoiceView, f: Formats): string {
  const parts: string[] = [];
  if (line.sku) parts.push(line.sku);
  if (line.period && line.kind !== 'usage') parts.push(f.period(line.period));
  if (line.feeOf) parts.push(`charged ${f.date(line.feeOf.chargedOn)}`);
  if ((line.kind === 'true_up' || line.kind === 'credit') && line.sku) {
    const usage = view.usage?.[line.sku];
    if (usage) {
      const difference = usage.used.minus(usage.contracted);
      parts.push(
        `usage: ${f.quantity(usage.used)} used vs ${f.quantity(usage.contracted)} contracted (${difference.isNegative() ? '' : '+'}${f.quantity(difference)})`,
      );
    }
  }
  return parts.join(' · ');
}

/** `January 2025`, or `December 2024, January 2025` when lines of several periods are billed. */
function periodsLabel(periods: ReadonlySet<string>, f: Formats): string {
  return [...periods]
    .sort()
    .map((p) => f.period(p))
    .join(', ');
}

/**
 * What the invoice covers, from its lines' periods: recurring lines are services of their
 * service period (the next month when billed in advance); true-ups, credits and usage lines
 * settle the billing period. `Services March 2026 · adjustments for February 2026`, or
 * `Services February 2026` when everything is for one period.
 */
export function coversLabel(lines: readonly InvoiceLine[], f: Formats): string {
  const services = new Set<string>();
  const settled = new Set<string>();
  let usage = false;
  let adjustments = false;
  for (const line of lines) {
    if (!line.period) continue;
    if (line.kind === 'recurring') services.add(line.period);
    else {
      settled.add(line.period);
      if (line.kind === 'usage') usage = true;
      else adjustments = true;
    }
  }
  const sameAsServices = settled.size > 0 && [...settled].every((p) => services.has(p));
  if (services.size > 0 && (settled.size === 0 || sameAsServices)) return `Services ${periodsLabel(services, f)}`;
  const what = usage && adjustments ? 'usage and adjustments' : usage ? 'usage' : 'adjustments';
  if (services.size === 0)
    return settled.size > 0 ? `${what[0]?.toUpperCase()}${what.slice(1)} for ${periodsLabel(settled, f)}` : '';
  return `Services ${periodsLabel(services, f)} · ${what} for ${periodsLabel(settled, f)}`;
}

/** `Tax 8.25%`, or `Tax 8.25% on 1,057.50` when some lines (late fees, untaxed charges) are not taxed. */
function taxLabel(invoice: InvoiceView['invoice'], rate: Dec, f: Formats): string {
  const untaxed = invoice.lines.filter((l) => !isTaxed(l));
  if (untaxed.length === 0) return `Tax ${f.percent(rate)}`;
  const base = invoice.lines.filter(isTaxed).reduce((s, l) => s.plus(l.amount), new Dec(0));
  return `Tax ${f.percent(rate)} on ${f.money(base, invoice.currency)}`;
}

export function invoiceModel(view: InvoiceView): InvoiceModel {
  const { invoice, client, settings } = view;
  const locale = localeOf(settings);
  const f = formatsFor(locale);
  const money = (value: Dec): string => f.money(value, invoice.currency);
  const groups: LineGroup[] = [];
  for (const kind of KIND_ORDER) {
    const lines = invoice.lines.filter((l) => l.kind === kind);
    if (lines.length === 0) continue;
    groups.push({
      kind,
      label: KIND_LABELS[kind],
      rows: lines.map((line) => ({
        description: lineDescription(line, invoice.currency, f),
        detail: lineDetail(line, view, f),
        quantity: f.quantity(line.quantity),
        unitPrice: unitPriceLabel(line.unitPrice, invoice.currency, locale),
        amount: money(line.amount),
      })),
    });
  }
  // The issued invoice fixes its own terms: due date minus issue date, whatever the client's
  // terms are today.
  const termsDays = daysBetween(invoice.issueDate, invoice.dueDate);
  const issued = f.date(invoice.issueDate);
  const due = f.date(invoice.dueDate);
  const { msp } = settings;
  const instructions = addressLines(settings.invoice.paymentInstructions);
  const remitTo = addressLines(settings.invoice.remitTo);
  const draft = view.draft === true;
  const pay = payButton(view, draft, f);
  return {
    title: draft ? `Draft invoice ${client.clientId} ${invoice.period}` : `Invoice ${invoice.number}`,
    from: fromParty(msp),
    // The PO number is in the header's meta rows.
    billTo: billToParty(client),
    covers: coversLabel(invoice.lines, f),
    meta: [
      draft
        ? { label: 'Invoice number', value: 'DRAFT (given on approval)' }
        : { label: 'Invoice number', value: invoice.number },
      { label: 'Issue date', value: issued },
      { label: 'Due date', value: due },
      { label: 'Billing period', value: f.period(invoice.period) },
      ...(client.poNumber ? [{ label: 'PO number', value: client.poNumber }] : []),
    ],
    currency: invoice.currency,
    groups,
    totals: [
      { label: 'Subtotal', value: money(invoice.subtotal) },
      { label: taxLabel(invoice, client.taxRate, f), value: money(invoice.tax) },
      { label: 'Total', value: f.moneyWithCode(invoice.total, invoice.currency), strong: true },
      { label: 'Amount paid', value: money(view.paid) },
      { label: 'Balance due', value: f.moneyWithCode(view.balance, invoice.currency), strong: true },
    ],
    balanceDue: f.moneyWithCode(view.balance, invoice.currency),
    status: view.status,
    termsDays,
    terms: [
      `Payment due within ${termsDays} days of the invoice date, by ${due}.`,
      ...(draft ? [] : [`Please quote invoice number ${invoice.number} as the payment reference.`]),
      `Amounts are in ${invoice.currency}. Questions about this invoice: ${msp.email}${msp.phone ? ` or ${msp.phone}` : ''}.`,
    ],
    payment: instructions.length > 0 || remitTo.length > 0 ? { instructions, remitTo } : undefined,
    keepWhole: draft ? [issued, due] : [invoice.number, issued, due],
    locale,
    draft,
    ...(pay ? { pay } : {}),
  };
}

/** A draft is not payable yet, and a paid (or credit) invoice asks for nothing. */
function payButton(view: InvoiceView, draft: boolean, f: Formats): PayButton | undefined {
  if (view.payUrl === undefined || draft || !view.balance.greaterThan(0)) return undefined;
  return { url: view.payUrl, label: `Pay ${f.moneyWithCode(view.balance, view.invoice.currency)} online` };
}

/** The letterhead's sender block: the MSP, its address, email, phone and tax id. */
export function fromParty(msp: Settings['msp']): InvoiceModel['from'] {
  return {
    name: msp.name,
    address: addressLines(msp.address),
    email: msp.email,
    extra: [...(msp.phone ? [`Phone ${msp.phone}`] : []), ...(msp.taxId ? [`Tax ID ${msp.taxId}`] : [])],
  };
}

/** The "Bill to" block: the client, its postal address, id, billing emails and tax id. */
export function billToParty(client: Client): InvoiceModel['billTo'] {
  return {
    name: client.name,
    address: addressLines(client.postalAddress),
    clientId: client.clientId,
    emails: client.billingEmails.join(', '),
    extra: client.taxId ? [`Tax ID ${client.taxId}`] : [],
  };
}
