/**
 * Email contents: the invoice email, the dunning email and the two report emails. Each has a
 * plain-text part and an HTML part styled for email clients (nested tables, inline styles, no
 * external resources). User values are escaped in HTML and made single-line in subjects.
 */
import { formatMoney, type Dec } from '../domain/money.js';
import type { Client, DunningStep, Settings } from '../domain/billing-types.js';
import type { EmailContent, InvoiceView } from './email-content.js';
import { escapeHtml as e, safeFilename, safeHeader } from './escape.js';
import { formatsFor, localeOf } from './format.js';
import { addressLines, invoiceModel, type PayButton } from './invoice-model.js';
import { creditNoteModel, type CreditNoteView } from './credit-note-model.js';

export const FONT = 'font-family:Helvetica,Arial,sans-serif';
export const TD = 'padding:6px 10px;border-bottom:1px solid #e5e7eb;font-size:14px;color:#111827';
export const TH = 'padding:6px 10px;background:#f3f4f6;font-size:12px;color:#374151;text-align:left';

/** The frame every HTML email shares: a centered 600px white card, the MSP as signature. */
export function layout(settings: Settings, preheader: string, body: string): string {
  const { msp } = settings;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(preheader)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6">
<span style="display:none;max-height:0;overflow:hidden;mso-hide:all">${e(preheader)}</span>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;border:1px solid #e5e7eb">
<tr><td style="padding:20px 28px;border-bottom:3px solid #1f2937;${FONT};font-size:18px;font-weight:bold;color:#111827">${e(msp.name)}</td></tr>
<tr><td style="padding:24px 28px;${FONT};font-size:14px;line-height:1.5;color:#111827">
${body}
</td></tr>
<tr><td style="padding:16px 28px;background:#f9fafb;${FONT};font-size:12px;line-height:1.5;color:#6b7280">${e(msp.name)}<br>${msp.address
    .split(/\r\n|\r|\n/)
    .map(e)
    .join('<br>')}<br><a href="mailto:${e(msp.email)}" style="color:#374151">${e(msp.email)}</a></td></tr>
</table>
</td></tr></table>
</body></html>
`;
}

export function signature(settings: Settings): string {
  return [settings.msp.name, ...settings.msp.address.split(/\r\n|\r|\n/), settings.msp.email].join('\n');
}

/**
 * How to pay (`invoice.paymentInstructions`) and where to send cheques (`invoice.remitTo`):
 * the lines for the plain-text part and a box for the HTML part; nothing when neither is set.
 */
export function paymentInstructions(settings: Settings): { text: string[]; html: string } {
  const instructions = addressLines(settings.invoice.paymentInstructions);
  const remitTo = addressLines(settings.invoice.remitTo);
  if (instructions.length === 0 && remitTo.length === 0) return { text: [], html: '' };
  const text = [
    ...(instructions.length ? ['How to pay:', ...instructions.map((l) => `  ${l}`)] : []),
    ...(remitTo.length ? ['Remit to:', ...remitTo.map((l) => `  ${l}`)] : []),
    '',
  ];
  const block = (title: string, lines: readonly string[]): string =>
    lines.length ? `<b>${e(title)}</b><br>${lines.map(e).join('<br>')}` : '';
  const html = p(
    [block('How to pay', instructions), block('Remit to', remitTo)].filter(Boolean).join('<br><br>'),
    'padding:10px 14px;background:#f9fafb;border:1px solid #e5e7eb;color:#374151',
  );
  return { text, html };
}

export function p(html: string, style = ''): string {
  return `<p style="margin:0 0 14px;${style}">${html}</p>`;
}

/** Plain-text table: columns padded to their widest cell, numbers right-aligned. */
export function textTable(rows: readonly (readonly string[])[], rightAligned: readonly number[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows
    .map(
      (row) =>
        '  ' +
        row
          .map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
          .join('   ')
          .trimEnd(),
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Invoice

export function invoiceEmail(view: InvoiceView, pdf: Buffer): EmailContent {
  const { invoice, client, settings } = view;
  const m = invoiceModel(view);
  const f = formatsFor(localeOf(settings));
  // The subject keeps its plain figures and ISO date (notifications.json records it as sent).
  const subject = safeHeader(
    `Invoice ${invoice.number} from ${settings.msp.name} — ${invoice.currency} ${formatMoney(invoice.total, invoice.currency)} due ${invoice.dueDate}`,
  );
  const period = f.period(invoice.period);
  const issued = f.date(invoice.issueDate);
  const due = f.date(invoice.dueDate);
  const summary: [string, string][] = [
    ['Invoice number', invoice.number],
    ['Billing period', period],
    ...(m.covers ? [['Covers', m.covers] as [string, string]] : []),
    ['Issue date', issued],
    ['Due date', due],
    ...(view.client.poNumber ? [['PO number', view.client.poNumber] as [string, string]] : []),
  ];
  const byKind = m.groups.map((g) => {
    const amount = invoice.lines
      .filter((l) => l.kind === g.kind)
      .reduce((s, l) => s.plus(l.amount), invoice.subtotal.minus(invoice.subtotal));
    return [
      `${g.label} (${g.rows.length} line${g.rows.length === 1 ? '' : 's'})`,
      f.money(amount, invoice.currency),
    ] as [string, string];
  });
  const howToPay = paymentInstructions(settings);
  const totals = m.totals.map((t) => [t.label, t.value] as [string, string]);
  const pay = payButton(m.pay);

  const text = [
    `Dear ${client.name},`,
    '',
    `Please find attached invoice ${invoice.number} for ${period}, issued ${issued}.`,
    '',
    textTable(summary, []),
    '',
    textTable([...byKind, ...totals], [1]),
    '',
    ...pay.text,
    ...m.terms,
    '',
    ...howToPay.text,
    `The invoice is attached as ${safeFilename(invoice.number)}.pdf.`,
    '',
    'Thank you for your business.',
    '',
    signature(settings),
  ].join('\n');

  const kv = (rows: [string, string][], strong: string[] = []): string =>
    rows
      .map(([k, v]) => {
        const bold = strong.includes(k) ? 'font-weight:bold;' : '';
        return `<tr><td style="${TD};${bold}color:#374151">${e(k)}</td><td style="${TD};${bold}text-align:right;white-space:nowrap">${e(v)}</td></tr>`;
      })
      .join('');
  const strongLabels = m.totals.filter((t) => t.strong).map((t) => t.label);
  const html = layout(
    settings,
    `Invoice ${invoice.number}: ${m.balanceDue} due ${due}`,
    [
      p(`Dear ${e(client.name)},`),
      p(`Please find attached invoice <b>${e(invoice.number)}</b> for ${e(period)}, issued ${e(issued)}.`),
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 18px;${FONT}">${kv(summary)}</table>`,
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 18px;${FONT}">` +
        `<tr><th style="${TH}">Summary</th><th style="${TH};text-align:right">Amount (${e(invoice.currency)})</th></tr>${kv([...byKind, ...totals], strongLabels)}</table>`,
      ...pay.html,
      p(m.terms.map(e).join('<br>'), 'color:#374151'),
      howToPay.html,
      p(`The invoice is attached as ${e(safeFilename(invoice.number))}.pdf.`, 'color:#374151'),
      p('Thank you for your business.'),
    ].join('\n'),
  );

  return {
    subject,
    text,
    html,
    attachments: [{ filename: `${safeFilename(invoice.number)}.pdf`, contentType: 'application/pdf', content: pdf }],
  };
}

/**
 * The invoice's Pay link (invoice-model.ts `pay`): a line of the plain-text part and a button
 * of the HTML part (a table cell, the form email clients draw alike); nothing without one.
 */
function payButton(pay: PayButton | undefined): { text: string[]; html: string[] } {
  if (!pay) return { text: [], html: [] };
  const link = `<a class="pay" href="${e(pay.url)}" style="display:inline-block;padding:10px 20px;${FONT};font-size:15px;font-weight:bold;color:#ffffff;text-decoration:none">${e(pay.label)}</a>`;
  return {
    text: [`${pay.label}: ${pay.url}`, ''],
    html: [
      `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 18px"><tr><td style="background:#1f2937;border-radius:4px">${link}</td></tr></table>`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Dunning

export interface DunningItem {
  invoiceNumber: string;
  currency: string;
  balance: Dec;
  dueDate: string;
  daysOverdue: number;
  step: string;
  lateFee?: Dec;
  /** The terms `lateFee` was computed with: `percent` of `balance`, at least `minimum`. */
  lateFeeTerms?: { percent: Dec; minimum: Dec };
  /** Final notice: every late fee charged on the invoice so far, today's included. */
  lateFeesCharged?: Dec;
  /** Final notice: the part of `lateFeesCharged` not yet on any invoice (owed on top of the balance). */
  lateFeesUnbilled?: Dec;
  /** The invoice's Pay link (pay-links.ts), when payments are on. */
  payUrl?: string;
}

/**
 * `dunning.statement`: the day's email lists every overdue invoice of the client, `listed` being
 * those that reach no step today, and attaches the statement of account instead of the invoices.
 */
export interface DunningStatement {
  listed: DunningItem[];
  pdf: { filename: string; content: Buffer };
}

/** The Pay links of invoices that have one: lines for the plain-text part, buttons for the HTML part. */
export function payLinks(
  items: readonly { invoiceNumber: string; payUrl?: string; balance: Dec; currency: string }[],
  money: (value: Dec, currency: string) => string,
): { text: string[]; html: string } {
  const payable = items.filter((i) => i.payUrl !== undefined);
  if (payable.length === 0) return { text: [], html: '' };
  return {
    text: ['Pay online:', ...payable.map((i) => `  ${i.invoiceNumber}: ${i.payUrl}`), ''],
    html: p(
      payable
        .map(
          (i) =>
            `<a class="pay" href="${e(i.payUrl ?? '')}" style="display:inline-block;margin:0 8px 8px 0;padding:8px 14px;background:#1f2937;color:#ffffff;text-decoration:none;font-weight:bold;border-radius:4px">Pay ${e(i.invoiceNumber)} online (${e(money(i.balance, i.currency))})</a>`,
        )
        .join(''),
    ),
  };
}

/** The issued PDF of an invoice of the email, attached so the client has it at hand. */
export interface InvoicePdf {
  number: string;
  content: Buffer;
}

/** The tone of a dunning email, mildest first. */
export type DunningTone = 'reminder' | 'due' | 'overdue' | 'final';
const TONES: readonly DunningTone[] = ['reminder', 'due', 'overdue', 'final'];

/**
 * The tone of a step, from its place in the ladder (steps sorted by offsetDays): the last
 * step after the due date is the final notice; otherwise a negative offset is a friendly
 * reminder, zero is "due today" and a positive offset is "overdue". Step names are the user's,
 * so they are never interpreted. A step not in the ladder is judged by its days overdue.
 */
export function dunningTone(steps: readonly DunningStep[], step: string, daysOverdue: number): DunningTone {
  const ladder = [...steps].sort((a, b) => a.offsetDays - b.offsetDays);
  const index = ladder.findIndex((s) => s.name === step);
  const offset = index >= 0 ? (ladder[index]?.offsetDays ?? daysOverdue) : daysOverdue;
  if (index >= 0 && index === ladder.length - 1 && offset > 0) return 'final';
  if (offset < 0) return 'reminder';
  if (offset === 0) return 'due';
  return 'overdue';
}

function when(days: number): string {
  if (days < 0) return `due in ${-days} day${days === -1 ? '' : 's'}`;
  if (days === 0) return 'due today';
  return `${days} day${days === 1 ? '' : 's'} overdue`;
}

interface ToneText {
  subject: (items: readonly DunningItem[], msp: string) => string;
  opening: (many: boolean) => string;
  closing: string;
  accent: string;
}

const TONE_TEXT: Readonly<Record<DunningTone, ToneText>> = {
  reminder: {
    subject: (items, msp) =>
      items.length === 1 && items[0]
        ? `Friendly reminder: invoice ${items[0].invoiceNumber} is due on ${items[0].dueDate} — ${msp}`
        : `Friendly reminder: ${items.length} invoices due soon — ${msp}`,
    opening: (many) =>
      `This is a friendly reminder that the following ${many ? 'invoices are' : 'invoice is'} due soon. If you have already arranged payment, thank you, and please disregard this message.`,
    closing: 'If you have any questions about the invoice, just reply to this email.',
    accent: '#2563eb',
  },
  due: {
    subject: (items, msp) =>
      items.length === 1 && items[0]
        ? `Invoice ${items[0].invoiceNumber} ${items[0].daysOverdue > 0 ? `was due on ${items[0].dueDate}` : 'is due today'} — ${msp}`
        : `${items.length} invoices are due — ${msp}`,
    opening: (many) =>
      `The following ${many ? 'invoices are' : 'invoice is'} due for payment. If you have already paid, thank you, and please disregard this message.`,
    closing: 'If something is holding up payment, please let us know so we can help.',
    accent: '#ca8a04',
  },
  overdue: {
    subject: (items, msp) =>
      items.length === 1 && items[0]
        ? `Overdue: invoice ${items[0].invoiceNumber} is ${when(items[0].daysOverdue)} — ${msp}`
        : `Overdue: ${items.length} invoices past due — ${msp}`,
    opening: (many) =>
      `Our records show that the following ${many ? 'invoices are' : 'invoice is'} past due and not paid in full. Please arrange payment of the balance as soon as possible.`,
    closing:
      'If you have already paid, please reply with the payment details so we can match it. If there is a problem with the invoice, please contact us right away.',
    accent: '#ea580c',
  },
  final: {
    subject: (items, msp) =>
      items.length === 1 && items[0]
        ? `Final notice: invoice ${items[0].invoiceNumber} is ${when(items[0].daysOverdue)} — ${msp}`
        : `Final notice: ${items.length} invoices past due — ${msp}`,
    opening: (many) =>
      `This is our final notice. Despite our earlier reminders, the following ${many ? 'invoices remain' : 'invoice remains'} unpaid. Please pay the outstanding balance immediately.`,
    closing:
      'If payment is not received, or we have not heard from you, we will have to take further action on your account. If you believe this notice is in error, contact us today.',
    accent: '#b91c1c',
  },
};

export function dunningEmail(input: {
  settings: Settings;
  client: Client;
  date: string;
  items: DunningItem[];
  pdfs?: readonly InvoicePdf[];
  statement?: DunningStatement;
}): EmailContent {
  const { settings, client, date, statement } = input;
  const byNumber = (a: DunningItem, b: DunningItem): number =>
    a.invoiceNumber < b.invoiceNumber ? -1 : a.invoiceNumber > b.invoiceNumber ? 1 : 0;
  // Statement-style: every overdue invoice is listed; the tone is still that of today's steps.
  const items = [...input.items, ...(statement?.listed ?? [])].sort(byNumber);
  // One email per client per day: it speaks in the sternest tone among its invoices.
  const tone = input.items.reduce<DunningTone>((worst, item) => {
    const t = dunningTone(settings.dunning.steps, item.step, item.daysOverdue);
    return TONES.indexOf(t) > TONES.indexOf(worst) ? t : worst;
  }, 'reminder');
  const words = TONE_TEXT[tone];
  const plural = items.length === 1 ? '' : 's';
  const opening = words.opening(items.length > 1);
  const subject = safeHeader(words.subject(items, settings.msp.name));
  // The subject stays as the outputs of docs/contract.md §9 have it; the body is for people: money and dates in the locale's form.
  const f = formatsFor(localeOf(settings));
  const money = (value: Dec, currency: string): string => f.moneyWithCode(value, currency);
  const fees = items.filter((i) => i.lateFee !== undefined && i.lateFee.greaterThan(0));
  const feeSentences = fees.map(
    (i) =>
      `A late fee of ${money(i.lateFee as Dec, i.currency)}${i.lateFeeTerms ? ` (${feeBasis(i.lateFeeTerms, i.balance, i.currency, money)})` : ''} has been charged on invoice ${i.invoiceNumber}; it will appear on your next invoice.`,
  );
  const totals = totalsByCurrency(items, money);
  const owed = tone === 'final' ? finalNoticeLines(items, money) : [];
  const pdfs = statement
    ? []
    : [...(input.pdfs ?? [])].sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  const attached = statement
    ? [`Your statement of account is attached: ${statement.pdf.filename}.`]
    : pdfs.length === 0
      ? []
      : [
          `${pdfs.length === 1 ? 'The invoice is' : 'The invoices are'} attached: ${pdfs.map((f) => `${safeFilename(f.number)}.pdf`).join(', ')}.`,
        ];
  const pay = payLinks(items, money);

  const header = ['Invoice', 'Due date', 'Balance', 'Status', 'Late fee'];
  const row = (i: DunningItem): string[] => [
    i.invoiceNumber,
    f.date(i.dueDate),
    money(i.balance, i.currency),
    when(i.daysOverdue),
    i.lateFee ? money(i.lateFee, i.currency) : '—',
  ];
  const text = [
    `Dear ${client.name},`,
    '',
    opening,
    '',
    textTable([header, ...items.map(row)], [2, 4]),
    '',
    ...(items.length > 1 ? [`Total outstanding: ${totals.join(', ')}`, ''] : []),
    ...pay.text,
    ...(feeSentences.length ? [...feeSentences, ''] : []),
    ...(owed.length ? [...owed, ''] : []),
    ...(attached.length ? [...attached, ''] : []),
    `Please quote the invoice number${plural} as the payment reference.`,
    words.closing,
    '',
    ...paymentInstructions(settings).text,
    `Statement date: ${f.date(date)}`,
    '',
    'Kind regards,',
    signature(settings),
  ].join('\n');

  const cell = (s: string, right = false, extra = ''): string =>
    `<td style="${TD};${right ? 'text-align:right;white-space:nowrap;' : ''}${extra}">${e(s)}</td>`;
  const table = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 18px;${FONT}">
<tr>${header.map((h, i) => `<th style="${TH};${i === 2 || i === 4 ? 'text-align:right' : ''}">${e(h)}</th>`).join('')}</tr>
${items.map((i) => `<tr>${cell(i.invoiceNumber, false, 'font-weight:bold')}${cell(f.date(i.dueDate))}${cell(money(i.balance, i.currency), true)}${cell(when(i.daysOverdue), false, i.daysOverdue > 0 ? `color:${words.accent}` : '')}${cell(i.lateFee ? money(i.lateFee, i.currency) : '—', true)}</tr>`).join('\n')}
${items.length > 1 ? `<tr><td colspan="2" style="${TD};font-weight:bold">Total outstanding</td><td colspan="3" style="${TD};font-weight:bold;text-align:right">${e(totals.join(', '))}</td></tr>` : ''}
</table>`;
  const banner =
    tone === 'final' || tone === 'overdue'
      ? `<div style="margin:0 0 16px;padding:10px 14px;border-left:4px solid ${words.accent};background:#fef2f2;font-weight:bold;color:${words.accent}">${tone === 'final' ? 'Final notice' : 'Payment overdue'}</div>`
      : '';
  const html = layout(
    settings,
    subject,
    [
      banner,
      p(`Dear ${e(client.name)},`),
      p(e(opening)),
      table,
      ...(pay.html ? [pay.html] : []),
      ...feeSentences.map((s) => p(e(s), 'padding:8px 12px;background:#fffbeb;border:1px solid #fde68a')),
      ...(owed.length
        ? [p(owed.map(e).join('<br>'), `padding:8px 12px;border:2px solid ${words.accent};font-weight:bold`)]
        : []),
      ...attached.map((s) => p(e(s), 'color:#374151')),
      p(`Please quote the invoice number${plural} as the payment reference. ${e(words.closing)}`, 'color:#374151'),
      paymentInstructions(settings).html,
      p(`Statement date: ${e(f.date(date))}`, 'color:#6b7280;font-size:12px'),
      p('Kind regards,'),
    ].join('\n'),
  );
  return {
    subject,
    text,
    html,
    attachments: statement
      ? [{ filename: statement.pdf.filename, contentType: 'application/pdf', content: statement.pdf.content }]
      : pdfs.map((f) => ({
          filename: `${safeFilename(f.number)}.pdf`,
          contentType: 'application/pdf',
          content: f.content,
        })),
  };
}

type MoneyText = (value: Dec, currency: string) => string;

/** How a late fee was computed: "1.5% of EUR 3,060.00, minimum EUR 25.00" (no minimum when it is 0). */
function feeBasis(terms: { percent: Dec; minimum: Dec }, balance: Dec, currency: string, money: MoneyText): string {
  const minimum = terms.minimum.greaterThan(0) ? `, minimum ${money(terms.minimum, currency)}` : '';
  return `${terms.percent.toString()}% of ${money(balance, currency)}${minimum}`;
}

/**
 * The final notice's summary, per currency: the late fees charged so far on its invoices and
 * the total now owed, which is the balances plus the fees not yet on any invoice (a fee billed
 * on a later invoice is owed there).
 */
function finalNoticeLines(items: readonly DunningItem[], moneyIn: MoneyText): string[] {
  const byCurrency = new Map<string, { balance: Dec; charged: Dec; unbilled: Dec }>();
  for (const item of items) {
    const zero = item.balance.minus(item.balance);
    const sum = byCurrency.get(item.currency) ?? { balance: zero, charged: zero, unbilled: zero };
    byCurrency.set(item.currency, {
      balance: sum.balance.plus(item.balance),
      charged: sum.charged.plus(item.lateFeesCharged ?? item.lateFee ?? zero),
      unbilled: sum.unbilled.plus(item.lateFeesUnbilled ?? item.lateFee ?? zero),
    });
  }
  return [...byCurrency]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([currency, sum]) => {
      const money = (value: Dec): string => moneyIn(value, currency);
      const invoiced = sum.charged.minus(sum.unbilled);
      return [
        `Late fees charged so far: ${money(sum.charged)}${invoiced.greaterThan(0) ? ` (${money(invoiced)} of it already on later invoices)` : ''}.`,
        `Total now owed: ${money(sum.balance.plus(sum.unbilled))} (balance ${money(sum.balance)} plus late fees ${money(sum.unbilled)}).`,
      ];
    });
}

function totalsByCurrency(items: readonly DunningItem[], money: MoneyText): string[] {
  const totals = new Map<string, Dec>();
  for (const item of items)
    totals.set(item.currency, (totals.get(item.currency) ?? item.balance.minus(item.balance)).plus(item.balance));
  return [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, total]) => money(total, currency));
}

// ---------------------------------------------------------------------------------------------
// Reports

export function reconciliationReportEmail(input: {
  settings: Settings;
  period: string;
  html: string;
  text: string;
  csv: string;
  rejected?: readonly { filename: string; content: string }[];
}): EmailContent {
  const period = safeFilename(input.period);
  const rejected = input.rejected ?? [];
  return {
    subject: safeHeader(`Reconciliation report ${input.period} — ${input.settings.msp.name}`),
    text: `${input.text}\n\nAll discrepancies are attached as discrepancies-${period}.csv.\n${rejected.map((r) => `Rejected rows are attached as ${safeFilename(r.filename)}.\n`).join('')}`,
    html: input.html,
    attachments: [
      { filename: `discrepancies-${period}.csv`, contentType: 'text/csv; charset=utf-8', content: input.csv },
      ...rejected.map((r) => ({ filename: r.filename, contentType: 'text/csv; charset=utf-8', content: r.content })),
    ],
  };
}

/** Label and value rows, two columns, as receipts and auto-pay emails show what was paid. */
export function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 18px;${FONT}">${rows.map(([k, v]) => `<tr><td style="${TD};color:#374151">${e(k)}</td><td style="${TD};text-align:right">${e(v)}</td></tr>`).join('')}</table>`;
}

export const AGING_CHART_CID = 'aging-chart@trueup';

export function agingReportEmail(input: {
  settings: Settings;
  asOf: string;
  html: string;
  text: string;
  csv: string;
  chartPng?: Buffer;
}): EmailContent {
  const asOf = safeFilename(input.asOf);
  let html = input.html;
  const attachments: EmailContent['attachments'] = [
    { filename: `aging-${asOf}.csv`, contentType: 'text/csv; charset=utf-8', content: input.csv },
  ];
  if (input.chartPng) {
    attachments.push({
      filename: `aging-${asOf}.png`,
      contentType: 'image/png',
      content: input.chartPng,
      cid: AGING_CHART_CID,
    });
    if (!html.includes(`cid:${AGING_CHART_CID}`)) {
      const img = `<p><img src="cid:${AGING_CHART_CID}" alt="AR aging chart" style="max-width:100%;height:auto"></p>`;
      html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${img}\n</body>`) : `${html}\n${img}`;
    }
  }
  return {
    subject: safeHeader(`AR aging ${input.asOf} — ${input.settings.msp.name}`),
    text: `${input.text}\n\nThe aging table is attached as aging-${asOf}.csv.\n`,
    html,
    attachments,
  };
}

// ---------------------------------------------------------------------------------------------
// Receipt

export interface ReceiptInput {
  settings: Settings;
  client: Client;
  /** The day the payment was applied. */
  date: string;
  payment: {
    paymentId: string;
    amount: Dec;
    currency: string;
    receivedOn: string;
    method?: string;
    reference?: string;
  };
  invoice: { number: string; currency: string; total: Dec; dueDate: string };
  /** The part of the payment applied to the invoice (at most its open balance). */
  applied: Dec;
  /** The invoice's balance after the payment. */
  balance: Dec;
}

/** A receipt for one applied payment: what was received, what it paid, what is left. */
export function receiptEmail(input: ReceiptInput): EmailContent {
  const { settings, client, payment, invoice } = input;
  const subject = safeHeader(
    `Receipt: payment of ${payment.currency} ${formatMoney(payment.amount, payment.currency)} for invoice ${invoice.number} — ${settings.msp.name}`,
  );
  const f = formatsFor(localeOf(settings));
  const money = (value: Dec, currency = invoice.currency): string => f.moneyWithCode(value, currency);
  const paidInFull = input.balance.lessThanOrEqualTo(0);
  const excess =
    payment.currency === invoice.currency ? payment.amount.minus(input.applied) : payment.amount.minus(payment.amount);
  const outcome = [
    paidInFull
      ? `Invoice ${invoice.number} is now paid in full.`
      : `The remaining balance of invoice ${invoice.number} is ${money(input.balance)}, due ${f.date(invoice.dueDate)}.`,
    ...(excess.greaterThan(0)
      ? [`${money(excess)} was more than the balance; we have recorded it and will contact you about it.`]
      : []),
  ];
  const rows: [string, string][] = [
    ['Payment', payment.paymentId],
    ['Received on', f.date(payment.receivedOn)],
    ['Amount received', money(payment.amount, payment.currency)],
    ...(payment.method ? [['Method', payment.method] as [string, string]] : []),
    ...(payment.reference ? [['Reference', payment.reference] as [string, string]] : []),
    ['Applied to', invoice.number],
    ['Amount applied', money(input.applied)],
    ['Invoice total', money(invoice.total)],
    ['Balance now', money(input.balance.greaterThan(0) ? input.balance : input.balance.minus(input.balance))],
  ];
  const thanks = `Thank you: we received your payment of ${money(payment.amount, payment.currency)} on ${f.date(payment.receivedOn)} and applied ${money(input.applied)} to invoice ${invoice.number}.`;
  const text = [
    `Dear ${client.name},`,
    '',
    thanks,
    '',
    textTable(rows, []),
    '',
    ...outcome,
    '',
    `Receipt date: ${f.date(input.date)}`,
    '',
    'Kind regards,',
    signature(settings),
  ].join('\n');
  const html = layout(
    settings,
    subject,
    [
      p(`Dear ${e(client.name)},`),
      p(e(thanks)),
      keyValueTable(rows),
      ...outcome.map((line) => p(e(line), paidInFull ? 'font-weight:bold;color:#15803d' : 'font-weight:bold')),
      p(`Receipt date: ${e(f.date(input.date))}`, 'color:#6b7280;font-size:12px'),
      p('Kind regards,'),
    ].join('\n'),
  );
  return { subject, text, html, attachments: [] };
}

// ---------------------------------------------------------------------------------------------
// Credit note

/** A credit note to the client, its PDF attached: what was credited, on which invoice, and why. */
export function creditNoteEmail(view: CreditNoteView, pdf: Buffer): EmailContent {
  const { note, invoice, client, settings } = view;
  const m = creditNoteModel(view);
  const f = formatsFor(localeOf(settings));
  // Plain figures, as the invoice email's subject (notifications.json records it as sent).
  const subject = safeHeader(
    `Credit note ${note.number} for invoice ${invoice.number} from ${settings.msp.name} — ${note.currency} ${formatMoney(note.total, note.currency)}`,
  );
  const issued = f.date(note.issueDate);
  const summary: [string, string][] = [
    ['Credit note number', note.number],
    ['Issue date', issued],
    ['Credits invoice', invoice.number],
    ['Reason', note.reason],
  ];
  const totals = m.totals.map((t) => [t.label, t.value] as [string, string]);
  const opening = note.void
    ? `Invoice ${invoice.number} has been voided; please find attached credit note ${note.number}, issued ${issued}.`
    : `Please find attached credit note ${note.number} for invoice ${invoice.number}, issued ${issued}.`;
  const attached = `The credit note is attached as ${safeFilename(note.number)}.pdf.`;
  const text = [
    `Dear ${client.name},`,
    '',
    opening,
    '',
    textTable(summary, []),
    '',
    textTable(totals, [1]),
    '',
    ...m.terms,
    '',
    attached,
    '',
    signature(settings),
  ].join('\n');
  const rows = (list: [string, string][], strong: readonly string[] = []): string =>
    list
      .map(([k, v]) => {
        const bold = strong.includes(k) ? 'font-weight:bold;' : '';
        return `<tr><td style="${TD};${bold}color:#374151">${e(k)}</td><td style="${TD};${bold}text-align:right">${e(v)}</td></tr>`;
      })
      .join('');
  const html = layout(
    settings,
    `Credit note ${note.number}: ${m.balanceDue} for invoice ${invoice.number}`,
    [
      p(`Dear ${e(client.name)},`),
      p(e(opening)),
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 18px;${FONT}">${rows(summary)}</table>`,
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 18px;${FONT}">` +
        `<tr><th style="${TH}">Credit</th><th style="${TH};text-align:right">Amount (${e(note.currency)})</th></tr>${rows(
          totals,
          m.totals.filter((t) => t.strong).map((t) => t.label),
        )}</table>`,
      p(m.terms.map(e).join('<br>'), 'color:#374151'),
      p(e(attached), 'color:#374151'),
    ].join('\n'),
  );
  return {
    subject,
    text,
    html,
    attachments: [{ filename: `${safeFilename(note.number)}.pdf`, contentType: 'application/pdf', content: pdf }],
  };
}
