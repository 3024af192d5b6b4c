/**
 * A statement of account (docs/statements.md) laid out as the invoice renderers lay out an
 * invoice (invoice-model.ts): the same letterhead, bill-to block, table and totals, titled
 * "Statement", listing the client's open invoices, their unspent credit and the payments
 * received in the statement's month, with the balance per currency.
 */
import type { IsoDate, Period } from '../domain/dates.js';
import type { Client, Logo, Settings } from '../domain/billing-types.js';
import { ZERO, type Dec } from '../domain/money.js';
import { formatsFor, localeOf } from './format.js';
import {
  addressLines,
  billToParty,
  fromParty,
  type InvoiceModel,
  type LineGroup,
  type TotalRow,
} from './invoice-model.js';

/** An invoice open on the statement date, with its figures as of that day. */
export interface StatementInvoice {
  readonly number: string;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  readonly currency: string;
  readonly total: Dec;
  /** Money received and credit notes applied, as of the statement date. */
  readonly settled: Dec;
  readonly balance: Dec;
  /** Days past the due date on the statement date; 0 or less: not yet due. */
  readonly daysOverdue: number;
  readonly disputed: boolean;
}

/** Client credit left by a credit note, not yet spent by an invoice. */
export interface StatementCredit {
  readonly creditNote: string;
  readonly currency: string;
  readonly amount: Dec;
  readonly issuedOn: IsoDate;
}

/** A payment applied to one of the client's invoices (a refund is negative). */
export interface StatementPayment {
  readonly paymentId: string;
  readonly invoiceNumber: string;
  readonly currency: string;
  readonly amount: Dec;
  readonly receivedOn: IsoDate;
}

export interface Statement {
  readonly clientId: string;
  readonly asOf: IsoDate;
  /** The month whose payments are listed: the statement date's. */
  readonly month: Period;
  readonly invoices: readonly StatementInvoice[];
  readonly credits: readonly StatementCredit[];
  readonly payments: readonly StatementPayment[];
}

/** A statement with everything needed to render it. */
export interface StatementView {
  readonly statement: Statement;
  readonly client: Client;
  readonly settings: Settings;
  readonly logo?: Logo;
}

/** What one currency of a statement adds up to. */
export interface StatementBalance {
  readonly currency: string;
  /** The open invoices' balances. */
  readonly invoices: Dec;
  /** Of which past due. */
  readonly overdue: Dec;
  /** Unspent client credit. */
  readonly credit: Dec;
  /** What the client owes: the open balances less the credit (negative: the client is in credit). */
  readonly balance: Dec;
}

/** True when a statement has nothing to say: no open invoice, no credit, no payment in the month. */
export function isEmptyStatement(s: Statement): boolean {
  return s.invoices.length === 0 && s.credits.length === 0 && s.payments.length === 0;
}

/** The statement's figures per currency, by currency code. */
export function statementBalances(s: Statement): StatementBalance[] {
  const currencies = [...new Set([...s.invoices, ...s.credits].map((x) => x.currency))].sort();
  return currencies.map((currency) => {
    const invoices = s.invoices.filter((i) => i.currency === currency);
    const open = invoices.reduce((t, i) => t.plus(i.balance), ZERO);
    const overdue = invoices.filter((i) => i.daysOverdue > 0).reduce((t, i) => t.plus(i.balance), ZERO);
    const credit = s.credits.filter((c) => c.currency === currency).reduce((t, c) => t.plus(c.amount), ZERO);
    return { currency, invoices: open, overdue, credit, balance: open.minus(credit) };
  });
}

/** `12 days overdue`, `due today`, `due in 3 days`. */
export function dueStatus(days: number): string {
  if (days > 0) return `${days} day${days === 1 ? '' : 's'} overdue`;
  if (days === 0) return 'due today';
  return `due in ${-days} day${days === -1 ? '' : 's'}`;
}

export function statementModel(view: StatementView): InvoiceModel {
  const { statement: s, client, settings } = view;
  const locale = localeOf(settings);
  const f = formatsFor(locale);
  const asOf = f.date(s.asOf);
  const month = f.period(s.month);
  const balances = statementBalances(s);
  const groups: LineGroup[] = [];
  if (s.invoices.length > 0)
    groups.push({
      kind: 'charge',
      label: 'Open invoices',
      rows: s.invoices.map((i) => ({
        description: `Invoice ${i.number}`,
        detail: [
          `issued ${f.date(i.issueDate)}`,
          `due ${f.date(i.dueDate)}`,
          dueStatus(i.daysOverdue),
          ...(i.disputed ? ['disputed'] : []),
        ].join(' · '),
        quantity: f.money(i.total, i.currency),
        unitPrice: f.money(i.settled, i.currency),
        amount: f.moneyWithCode(i.balance, i.currency),
      })),
    });
  if (s.credits.length > 0)
    groups.push({
      kind: 'client_credit',
      label: 'Unspent credit',
      rows: s.credits.map((c) => ({
        description: `Credit note ${c.creditNote}`,
        detail: `issued ${f.date(c.issuedOn)}; taken off your next invoices`,
        quantity: '',
        unitPrice: '',
        amount: f.moneyWithCode(c.amount.negated(), c.currency),
      })),
    });
  if (s.payments.length > 0)
    groups.push({
      kind: 'credit',
      label: `Payments received in ${month}`,
      rows: s.payments.map((p) => ({
        description: p.amount.isNegative() ? `Refund ${p.paymentId}` : `Payment ${p.paymentId}`,
        detail: `received ${f.date(p.receivedOn)} · invoice ${p.invoiceNumber}`,
        quantity: '',
        unitPrice: f.moneyWithCode(p.amount, p.currency),
        amount: '',
      })),
    });
  const single = balances.length === 1;
  const label = (text: string, currency: string): string => (single ? text : `${text} (${currency})`);
  const totals: TotalRow[] = balances.flatMap((b) => [
    { label: label('Open invoices', b.currency), value: f.moneyWithCode(b.invoices, b.currency) },
    ...(b.overdue.greaterThan(0)
      ? [{ label: label('Of which overdue', b.currency), value: f.moneyWithCode(b.overdue, b.currency) }]
      : []),
    ...(b.credit.greaterThan(0)
      ? [{ label: label('Unspent credit', b.currency), value: f.moneyWithCode(b.credit.negated(), b.currency) }]
      : []),
    { label: label('Balance', b.currency), value: f.moneyWithCode(b.balance, b.currency), strong: true },
  ]);
  // The amount box holds one figure: several currencies are in the totals, one line each.
  const balanceDue =
    balances.length > 1
      ? `${balances.length} currencies, below`
      : f.moneyWithCode(balances[0]?.balance ?? ZERO, balances[0]?.currency ?? client.currency);
  const instructions = addressLines(settings.invoice.paymentInstructions);
  const remitTo = addressLines(settings.invoice.remitTo);
  const { msp } = settings;
  return {
    title: `Statement ${client.clientId} ${s.asOf}`,
    heading: 'STATEMENT',
    balanceLabel: 'Balance',
    termsLabel: 'About this statement',
    columns: { description: 'Item', quantity: 'Total', unitPrice: 'Paid', amount: 'Open' },
    from: fromParty(msp),
    billTo: billToParty(client),
    covers: `Open items as of ${asOf} · payments received in ${month}`,
    meta: [
      { label: 'Statement date', value: asOf },
      { label: 'Open invoices', value: String(s.invoices.length) },
      ...(client.poNumber ? [{ label: 'PO number', value: client.poNumber }] : []),
    ],
    currency: client.currency,
    groups,
    totals,
    balanceDue,
    status: '',
    termsDays: 0,
    terms: statementTerms(view),
    payment: instructions.length > 0 || remitTo.length > 0 ? { instructions, remitTo } : undefined,
    keepWhole: [asOf, ...s.invoices.map((i) => i.number)],
    locale,
    draft: false,
  };
}

/** What the statement says, in sentences (printed and in the email). */
export function statementTerms(view: StatementView): string[] {
  const { statement: s, settings } = view;
  const f = formatsFor(localeOf(settings));
  const overdue = s.invoices.filter((i) => i.daysOverdue > 0);
  return [
    `This statement lists your open invoices and unspent credit as of ${f.date(s.asOf)}, and the payments received in ${f.period(s.month)}.`,
    ...(overdue.length > 0
      ? [
          `${overdue.length === 1 ? 'One invoice is' : `${overdue.length} invoices are`} past due: ${statementBalances(
            s,
          )
            .filter((b) => b.overdue.greaterThan(0))
            .map((b) => f.moneyWithCode(b.overdue, b.currency))
            .join(', ')}.`,
        ]
      : []),
    ...(s.invoices.length > 0 ? ['Please quote the invoice numbers as the payment reference.'] : []),
    `Questions about your account: ${settings.msp.email}${settings.msp.phone ? ` or ${settings.msp.phone}` : ''}.`,
  ];
}
