/**
 * The statement of account's email (docs/statements.md): the open invoices in a short table,
 * the balance per currency, a Pay link per invoice when payments are on, the statement PDF
 * attached. Framed and styled as every client email (emails.ts).
 */
import { safeFilename, escapeHtml as e, safeHeader } from './escape.js';
import type { Dec } from '../domain/money.js';
import type { EmailContent } from './email-content.js';
import { FONT, TD, TH, layout, p, payLinks, paymentInstructions, signature, textTable } from './emails.js';
import { formatsFor, localeOf } from './format.js';
import { dueStatus, statementBalances, statementTerms, type StatementView } from './statement-model.js';

/** `statement-<client>-<date>.pdf`: the attachment's name. */
export function statementFilename(clientId: string, asOf: string): string {
  return `${safeFilename(`statement-${clientId}-${asOf}`)}.pdf`;
}

/** `payUrls`: the Pay link of each open invoice that has one, by invoice number. */
export function statementEmail(
  view: StatementView,
  pdf: Buffer,
  payUrls: ReadonlyMap<string, string> = new Map(),
): EmailContent {
  const { statement: s, client, settings } = view;
  const f = formatsFor(localeOf(settings));
  const money = (value: Dec, currency: string): string => f.moneyWithCode(value, currency);
  const asOf = f.date(s.asOf);
  // Plain date in the subject, as the other subjects (notifications.json records it as sent).
  const subject = safeHeader(`Statement of account as of ${s.asOf} — ${settings.msp.name}`);
  const filename = statementFilename(client.clientId, s.asOf);
  const balances = statementBalances(s);
  const received = s.payments.reduce(
    (sums, payment) =>
      sums.set(payment.currency, (sums.get(payment.currency) ?? payment.amount.times(0)).plus(payment.amount)),
    new Map<string, Dec>(),
  );
  const summary = [
    ...balances.map(
      (b) =>
        `Balance ${b.currency}: ${money(b.balance, b.currency)}${b.overdue.greaterThan(0) ? ` (${money(b.overdue, b.currency)} overdue)` : ''}`,
    ),
    ...[...received]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, amount]) => `Payments received in ${f.period(s.month)}: ${money(amount, currency)}`),
  ];
  const header = ['Invoice', 'Due date', 'Balance', 'Status'];
  const rows = s.invoices.map((i) => [
    i.number,
    f.date(i.dueDate),
    money(i.balance, i.currency),
    i.disputed ? 'disputed' : dueStatus(i.daysOverdue),
  ]);
  const pay = payLinks(
    s.invoices.map((i) => ({
      invoiceNumber: i.number,
      balance: i.balance,
      currency: i.currency,
      ...(payUrls.has(i.number) ? { payUrl: payUrls.get(i.number) } : {}),
    })),
    money,
  );
  const howToPay = paymentInstructions(settings);
  const opening = `Please find attached your statement of account as of ${asOf}.`;
  const terms = statementTerms(view);
  const text = [
    `Dear ${client.name},`,
    '',
    opening,
    '',
    ...(rows.length ? [textTable([header, ...rows], [2]), ''] : ['You have no open invoices.', '']),
    ...summary,
    '',
    ...pay.text,
    ...terms,
    '',
    ...howToPay.text,
    `The statement is attached as ${filename}.`,
    '',
    'Kind regards,',
    signature(settings),
  ].join('\n');
  const cell = (value: string, right = false): string =>
    `<td style="${TD};${right ? 'text-align:right;white-space:nowrap' : ''}">${e(value)}</td>`;
  const table = rows.length
    ? `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 18px;${FONT}">
<tr>${header.map((h, i) => `<th style="${TH};${i === 2 ? 'text-align:right' : ''}">${e(h)}</th>`).join('')}</tr>
${rows.map((r) => `<tr>${r.map((c, i) => cell(c, i === 2)).join('')}</tr>`).join('\n')}
</table>`
    : p('You have no open invoices.');
  const html = layout(
    settings,
    subject,
    [
      p(`Dear ${e(client.name)},`),
      p(e(opening)),
      table,
      p(summary.map(e).join('<br>'), 'font-weight:bold'),
      pay.html,
      p(terms.map(e).join('<br>'), 'color:#374151'),
      howToPay.html,
      p(`The statement is attached as ${e(filename)}.`, 'color:#374151'),
      p('Kind regards,'),
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return { subject, text, html, attachments: [{ filename, contentType: 'application/pdf', content: pdf }] };
}
