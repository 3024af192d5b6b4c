/**
 * The client portal's pages (docs/portal.md): the client's home (balance per currency, open and
 * paid invoices, credit notes, payments), an invoice's detail with its documents, the Pay button
 * and "Question this invoice", and the refusals. Server-rendered HTML, self-contained: one inline
 * style sheet, no scripts, no external requests; every value from the ledger is escaped. Laid out
 * as wrapping rows rather than wide tables, so it reads on a 390 px phone without scrolling sideways.
 */
import type { Dec } from '../../domain/money.js';
import type { InvoiceStatus, Settings } from '../../domain/billing-types.js';
import { escapeHtml as e } from '../escape.js';
import { formatsFor, localeOf, type Formats } from '../format.js';

export interface PortalPage {
  readonly status: number;
  readonly html: string;
}

/** Who the page is from: the MSP when the reference data is loaded, else a neutral title. */
type Sender = Pick<Settings, 'msp' | 'locale'> | undefined;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:16px 12px 40px;background:#f3f4f6;font-family:Helvetica,Arial,sans-serif;color:#111827;line-height:1.5}
main{max-width:760px;margin:0 auto;background:#fff;border:1px solid #e5e7eb;padding:20px}
header{border-bottom:3px solid #1f2937;padding-bottom:10px;margin-bottom:16px}
header p{margin:0;font-weight:bold;font-size:18px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
a{color:#1d4ed8}
a:focus,button:focus,textarea:focus{outline:3px solid #2563eb;outline-offset:2px}
.muted{color:#4b5563;font-size:14px}
.rows{list-style:none;margin:0;padding:0}
.rows li{display:flex;flex-wrap:wrap;gap:4px 16px;justify-content:space-between;align-items:baseline;padding:10px 0;border-bottom:1px solid #e5e7eb}
.rows li>*{min-width:0;overflow-wrap:anywhere}
.amount{font-variant-numeric:tabular-nums;font-weight:bold}
.badge{display:inline-block;font-size:13px;padding:0 6px;border-radius:3px;background:#e5e7eb;color:#111827}
.badge.due{background:#fef3c7;color:#78350f}
.badge.disputed{background:#fee2e2;color:#7f1d1d}
.balances{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 0;padding:0;list-style:none}
.balances li{border:1px solid #d1d5db;padding:10px 14px;min-width:150px}
.balances .amount{font-size:20px;display:block}
.button{display:inline-block;background:#1f2937;color:#fff;text-decoration:none;padding:8px 16px;border:0;font-size:16px;font-family:inherit;cursor:pointer}
.button:hover{background:#111827}
.actions{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:16px 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0}
dt{color:#4b5563}
dd{margin:0;overflow-wrap:anywhere}
label{display:block;font-weight:bold;margin-bottom:4px}
textarea{width:100%;min-height:110px;font:inherit;padding:8px;border:1px solid #6b7280}
.notice{border-left:4px solid #1f2937;background:#f9fafb;padding:8px 12px;margin:12px 0}
footer{margin-top:28px;color:#4b5563;font-size:14px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

function page(sender: Sender, title: string, body: string): string {
  const name = sender?.msp.name ?? 'Client portal';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${e(title)} — ${e(name)}</title><style>${STYLE}</style></head>
<body><main>
<header><p>${e(name)}</p></header>
${body}
${sender ? `<footer>Questions? <a href="mailto:${e(sender.msp.email)}">${e(sender.msp.email)}</a></footer>` : ''}
</main></body></html>
`;
}

const para = (text: string): string => `<p>${e(text)}</p>`;

// ---- refusals ----

/** The token does not open this client's portal (mistyped, altered, another client's): nothing is shown. */
export function forbiddenPortalPage(sender: Sender): PortalPage {
  return {
    status: 403,
    html: page(
      sender,
      'This link is not valid',
      `<h1>This link is not valid</h1>${para('Please open the portal with the link exactly as it appears in our latest email.')}`,
    ),
  };
}

export function expiredPortalPage(sender: Sender): PortalPage {
  return {
    status: 403,
    html: page(
      sender,
      'This link has expired',
      `<h1>This link has expired</h1>${para('Portal links work for a limited time. Please use the link in our latest email, or ask us for a new one.')}`,
    ),
  };
}

export function portalNotFoundPage(sender: Sender): PortalPage {
  return {
    status: 404,
    html: page(sender, 'Not found', `<h1>Not found</h1>${para('There is nothing at this address.')}`),
  };
}

export function tooManyRequestsPage(sender: Sender): PortalPage {
  return {
    status: 429,
    html: page(sender, 'Too many requests', `<h1>Too many requests</h1>${para('Please wait a minute and try again.')}`),
  };
}

export function badRequestPage(sender: Sender, status: number, message: string): PortalPage {
  return { status, html: page(sender, 'Request refused', `<h1>Request refused</h1>${para(message)}`) };
}

// ---- the client's home ----

export interface PortalBalance {
  readonly currency: string;
  /** What the open invoices still ask for. */
  readonly open: Dec;
  /** Unspent client credit (from credit notes). */
  readonly credit: Dec;
  /** open − credit. */
  readonly balance: Dec;
}

export interface PortalInvoiceRow {
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly currency: string;
  readonly total: Dec;
  readonly balance: Dec;
  readonly status: InvoiceStatus;
  readonly paidOn?: string;
  readonly disputed: boolean;
  /** Days past due (≤ 0: not yet due). */
  readonly daysOverdue: number;
  /** The invoice's detail page (with the token). */
  readonly href: string;
  readonly payUrl?: string;
}

export interface PortalCreditNoteRow {
  readonly number: string;
  readonly invoiceNumber: string;
  readonly issueDate: string;
  readonly currency: string;
  readonly total: Dec;
  readonly reason: string;
  readonly pdfHref?: string;
  readonly htmlHref?: string;
}

export interface PortalPaymentRow {
  readonly paymentId: string;
  readonly invoiceNumber: string;
  readonly receivedOn: string;
  readonly currency: string;
  readonly amount: Dec;
}

export interface PortalHome {
  readonly settings: Settings;
  readonly clientName: string;
  readonly today: string;
  readonly expiresAt: Date;
  readonly balances: readonly PortalBalance[];
  readonly openInvoices: readonly PortalInvoiceRow[];
  readonly closedInvoices: readonly PortalInvoiceRow[];
  readonly creditNotes: readonly PortalCreditNoteRow[];
  readonly payments: readonly PortalPaymentRow[];
}

function statusBadge(row: PortalInvoiceRow, f: Formats): string {
  if (row.disputed && row.status !== 'paid' && row.status !== 'void')
    return '<span class="badge disputed">Questioned</span>';
  switch (row.status) {
    case 'paid':
      return `<span class="badge">Paid${row.paidOn ? ` ${e(f.date(row.paidOn))}` : ''}</span>`;
    case 'void':
      return '<span class="badge">Void</span>';
    default:
      return row.daysOverdue > 0
        ? `<span class="badge due">${row.daysOverdue} day${row.daysOverdue === 1 ? '' : 's'} overdue</span>`
        : `<span class="badge">Due ${e(f.date(row.dueDate))}</span>`;
  }
}

function invoiceRow(row: PortalInvoiceRow, f: Formats, open: boolean): string {
  const amount = open
    ? `<span class="amount">${e(f.moneyWithCode(row.balance, row.currency))}</span>`
    : `<span class="amount">${e(f.moneyWithCode(row.total, row.currency))}</span>`;
  const pay = open && row.payUrl ? ` <a class="button" href="${e(row.payUrl)}">Pay ${e(row.number)}</a>` : '';
  return `<li><span><a href="${e(row.href)}">${e(row.number)}</a> <span class="muted">issued ${e(f.date(row.issueDate))}</span></span>
<span>${statusBadge(row, f)}</span><span>${amount}${pay}</span></li>`;
}

export function portalHomePage(view: PortalHome): PortalPage {
  const f = formatsFor(localeOf(view.settings));
  const balances =
    view.balances.length === 0
      ? para('You owe nothing: every invoice is settled.')
      : `<ul class="balances">${view.balances
          .map(
            (b) =>
              `<li><span class="muted">Balance ${e(b.currency)}</span><span class="amount">${e(f.moneyWithCode(b.balance, b.currency))}</span>${
                b.credit.isZero()
                  ? ''
                  : `<span class="muted">open invoices ${e(f.money(b.open, b.currency))}, credit ${e(f.money(b.credit, b.currency))}</span>`
              }</li>`,
          )
          .join('')}</ul>`;
  const list = (rows: string[], empty: string): string =>
    rows.length === 0 ? `<p class="muted">${e(empty)}</p>` : `<ul class="rows">${rows.join('\n')}</ul>`;
  const body = `<h1>${e(view.clientName)}</h1>
<p class="muted">Your account as of ${e(f.date(view.today))}. This link works until ${e(f.date(view.expiresAt.toISOString().slice(0, 10)))}.</p>
<h2>Balance</h2>
${balances}
<h2>Open invoices</h2>
${list(
  view.openInvoices.map((r) => invoiceRow(r, f, true)),
  'No open invoices.',
)}
<h2>Paid invoices</h2>
${list(
  view.closedInvoices.map((r) => invoiceRow(r, f, false)),
  'No paid invoices yet.',
)}
<h2>Credit notes</h2>
${list(
  view.creditNotes.map(
    (
      c,
    ) => `<li><span>${e(c.number)} <span class="muted">for ${e(c.invoiceNumber)}, ${e(f.date(c.issueDate))}: ${e(c.reason)}</span></span>
<span class="amount">${e(f.moneyWithCode(c.total, c.currency))}</span>
<span>${c.pdfHref ? `<a href="${e(c.pdfHref)}">PDF<span class="visually-hidden"> of ${e(c.number)}</span></a>` : ''}${
      c.htmlHref ? ` <a href="${e(c.htmlHref)}">View<span class="visually-hidden"> ${e(c.number)}</span></a>` : ''
    }</span></li>`,
  ),
  'No credit notes.',
)}
<h2>Payments</h2>
${list(
  view.payments.map(
    (p) => `<li><span>${e(f.date(p.receivedOn))} <span class="muted">for ${e(p.invoiceNumber)}</span></span>
<span class="amount">${e(f.moneyWithCode(p.amount, p.currency))}</span></li>`,
  ),
  'No payments received yet.',
)}`;
  return { status: 200, html: page(view.settings, `Account of ${view.clientName}`, body) };
}

// ---- an invoice ----

export interface PortalInvoiceDetail {
  readonly settings: Settings;
  readonly clientName: string;
  readonly row: PortalInvoiceRow;
  readonly period: string;
  readonly lines: readonly { description: string; amount: Dec }[];
  readonly subtotal: Dec;
  readonly tax: Dec;
  readonly paid: Dec;
  readonly credited: Dec;
  readonly homeHref: string;
  readonly pdfHref?: string;
  readonly htmlHref?: string;
  /** Where "Question this invoice" posts; absent when it cannot be questioned (void, paid). */
  readonly questionAction?: string;
  /** The token, sent again in the form body. */
  readonly token: string;
  readonly disputedOn?: string;
  /** The page is shown right after the client questioned it. */
  readonly justQuestioned: boolean;
}

export function portalInvoicePage(view: PortalInvoiceDetail): PortalPage {
  const f = formatsFor(localeOf(view.settings));
  const { row } = view;
  const money = (d: Dec): string => e(f.moneyWithCode(d, row.currency));
  const facts: [string, string][] = [
    ['Status', statusBadge(row, f)],
    ['Period', e(f.period(view.period))],
    ['Issued', e(f.date(row.issueDate))],
    ['Due', e(f.date(row.dueDate))],
    ['Subtotal', money(view.subtotal)],
    ['Tax', money(view.tax)],
    ['Total', `<span class="amount">${money(row.total)}</span>`],
    ...(view.paid.isZero() ? [] : ([['Paid', money(view.paid)]] as [string, string][])),
    ...(view.credited.isZero() ? [] : ([['Credited', money(view.credited)]] as [string, string][])),
    ['Balance', `<span class="amount">${money(row.balance)}</span>`],
  ];
  const documents = [
    view.pdfHref ? `<a href="${e(view.pdfHref)}">Download PDF</a>` : '',
    view.htmlHref ? `<a href="${e(view.htmlHref)}">View invoice</a>` : '',
  ].filter((x) => x !== '');
  const questioned = view.justQuestioned
    ? `<p class="notice" role="status">Thank you: we received your question and will get back to you. No reminders are sent for this invoice meanwhile.</p>`
    : view.disputedOn
      ? `<p class="notice">You questioned this invoice on ${e(f.date(view.disputedOn))}; we will get back to you.</p>`
      : '';
  const question =
    view.questionAction && !view.disputedOn
      ? `<h2>Question this invoice</h2>
<form method="post" action="${e(view.questionAction)}">
<input type="hidden" name="t" value="${e(view.token)}">
<label for="reason">What is wrong with this invoice?</label>
<textarea id="reason" name="reason" required maxlength="2000"></textarea>
<p class="muted">We stop payment reminders for this invoice until we have answered you.</p>
<button class="button" type="submit">Send question</button>
</form>`
      : '';
  const body = `<p><a href="${e(view.homeHref)}">← Your account</a></p>
<h1>Invoice ${e(row.number)}</h1>
<p class="muted">${e(view.clientName)}</p>
${questioned}
<dl>${facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`).join('')}</dl>
<div class="actions">${row.payUrl && row.balance.greaterThan(0) && row.status !== 'void' ? `<a class="button" href="${e(row.payUrl)}">Pay ${money(row.balance)}</a>` : ''}${documents.join(' ')}</div>
<h2>Lines</h2>
<ul class="rows">${view.lines
    .map((l) => `<li><span>${e(l.description)}</span><span class="amount">${money(l.amount)}</span></li>`)
    .join('\n')}</ul>
${question}`;
  return { status: 200, html: page(view.settings, `Invoice ${row.number}`, body) };
}
