/**
 * A credit note laid out as the invoice renderers lay out an invoice (invoice-model.ts): the
 * same letterhead, bill-to block, line table and totals, titled "Credit note", naming the
 * invoice it credits and the reason, with positive amounts (what is credited).
 */
import type { Client, CreditNote, Invoice, Logo, Settings } from '../domain/billing-types.js';
import { formatsFor, localeOf } from './format.js';
import { billToParty, fromParty, unitPriceLabel, type InvoiceModel } from './invoice-model.js';

/** A credit note with everything needed to render it. */
export interface CreditNoteView {
  readonly note: CreditNote;
  /** The invoice it credits. */
  readonly invoice: Invoice;
  readonly client: Client;
  readonly settings: Settings;
  readonly logo?: Logo;
}

export function creditNoteModel(view: CreditNoteView): InvoiceModel {
  const { note, invoice, client, settings } = view;
  const locale = localeOf(settings);
  const f = formatsFor(locale);
  const money = (value: CreditNote['total']): string => f.money(value, note.currency);
  const withCode = (value: CreditNote['total']): string => f.moneyWithCode(value, note.currency);
  const issued = f.date(note.issueDate);
  const { msp } = settings;
  const detail = (line: CreditNote['lines'][number]): string =>
    [
      ...(line.sku ? [line.sku] : []),
      ...(line.period ? [f.period(line.period)] : []),
      ...(line.invoiceLine ? [`line ${line.invoiceLine} of ${invoice.number}`] : []),
    ].join(' · ');
  const taxBase = note.lines.filter((l) => l.taxable).reduce((s, l) => s.plus(l.amount), note.tax.minus(note.tax));
  const taxLabel = taxBase.equals(note.subtotal)
    ? `Tax ${f.percent(client.taxRate)}`
    : `Tax ${f.percent(client.taxRate)} on ${money(taxBase)}`;
  return {
    title: `Credit note ${note.number}`,
    heading: 'CREDIT NOTE',
    draft: false,
    from: fromParty(msp),
    billTo: billToParty(client),
    covers: note.void ? `Voids invoice ${invoice.number}: ${note.reason}` : `Reason: ${note.reason}`,
    meta: [
      { label: 'Credit note number', value: note.number },
      { label: 'Issue date', value: issued },
      { label: 'Credits invoice', value: invoice.number },
      { label: 'Invoice date', value: f.date(invoice.issueDate) },
      ...(client.poNumber ? [{ label: 'PO number', value: client.poNumber }] : []),
    ],
    currency: note.currency,
    groups: [
      {
        kind: 'credit',
        label: note.void ? 'Invoice lines voided' : 'Credited',
        rows: note.lines.map((line) => ({
          description: line.description,
          detail: detail(line),
          quantity: f.quantity(line.quantity),
          unitPrice: unitPriceLabel(line.unitPrice, note.currency, locale),
          amount: money(line.amount),
        })),
      },
    ],
    totals: [
      { label: 'Subtotal', value: money(note.subtotal) },
      { label: taxLabel, value: money(note.tax) },
      { label: 'Total credited', value: withCode(note.total), strong: true },
      { label: `Applied to ${invoice.number}`, value: money(note.applied) },
      ...(note.clientCredit.greaterThan(0)
        ? [{ label: 'Credit for your next invoices', value: money(note.clientCredit) }]
        : []),
    ],
    balanceDue: withCode(note.total),
    balanceLabel: 'Total credited',
    status: note.void ? 'void' : '',
    termsDays: 0,
    termsLabel: 'About this credit note',
    terms: creditNoteTerms(view, withCode),
    payment: undefined,
    keepWhole: [note.number, invoice.number, issued],
    locale,
  };
}

/** What the credit note does, in sentences (printed and in the email). */
export function creditNoteTerms(view: CreditNoteView, withCode: (value: CreditNote['total']) => string): string[] {
  const { note, invoice, settings } = view;
  return [
    note.void
      ? `Invoice ${invoice.number} is void: nothing is owed on it. It keeps its number.`
      : `This credit note reduces the balance of invoice ${invoice.number} by ${withCode(note.applied)}.`,
    ...(note.clientCredit.greaterThan(0)
      ? [`${withCode(note.clientCredit)} is kept as credit and taken off your next invoices.`]
      : []),
    `Amounts are in ${note.currency}. Questions about this credit note: ${settings.msp.email}${settings.msp.phone ? ` or ${settings.msp.phone}` : ''}.`,
  ];
}
