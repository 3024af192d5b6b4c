/**
 * The billing team's alert that a client questioned an invoice in the portal (docs/portal.md):
 * the invoice is marked disputed (dunning stops for it) and someone has to answer the client,
 * then settle it (a credit note, or reminding them it stands).
 */
import type { Dec } from '../domain/money.js';
import type { Settings } from '../domain/billing-types.js';
import type { EmailContent } from './email-content.js';
import { escapeHtml as e, safeHeader } from './escape.js';
import { formatsFor, localeOf } from './format.js';

export interface InvoiceQuestion {
  readonly settings: Settings;
  readonly invoiceNumber: string;
  readonly clientId: string;
  readonly clientName: string;
  /** Where the billing team writes back to the client. */
  readonly clientEmails: readonly string[];
  readonly total: Dec;
  readonly balance: Dec;
  readonly currency: string;
  /** The client's words, as typed in the portal. */
  readonly reason: string;
  /** The MSP-time-zone day the question was asked. */
  readonly on: string;
}

export function invoiceQuestionEmail(question: InvoiceQuestion): EmailContent {
  const { settings } = question;
  const f = formatsFor(localeOf(settings));
  const subject = safeHeader(
    `Invoice questioned: ${question.invoiceNumber} by ${question.clientName} — ${settings.msp.name}`,
  );
  const rows: [string, string][] = [
    ['Invoice', question.invoiceNumber],
    ['Client', `${question.clientName} (${question.clientId})`],
    ['Client email', question.clientEmails.join(', ') || '(none on file)'],
    ['Asked on', f.date(question.on)],
    ['Total', f.moneyWithCode(question.total, question.currency)],
    ['Balance', f.moneyWithCode(question.balance, question.currency)],
  ];
  const effect = `Invoice ${question.invoiceNumber} is now marked disputed: dunning stops for it.`;
  const todo =
    'Answer the client. If the invoice is wrong, issue a credit note (trueup credit-notes issue); if it stands, tell them so: dunning does not resume by itself while it is marked disputed.';
  const text = [
    'A client questioned an invoice in the portal.',
    '',
    ...rows.map(([k, v]) => `  ${k}: ${v}`),
    '',
    'Their question:',
    ...question.reason.split('\n').map((line) => `  ${line}`),
    '',
    effect,
    '',
    todo,
    '',
    settings.msp.name,
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;color:#111;margin:24px;max-width:760px">
<h1 style="font-size:18px">A client questioned an invoice</h1>
<table style="border-collapse:collapse;font-size:13px">${rows
    .map(
      ([k, v]) =>
        `<tr><td style="padding:4px 8px;border-bottom:1px solid #ddd;color:#374151">${e(k)}</td><td style="padding:4px 8px;border-bottom:1px solid #ddd">${e(v)}</td></tr>`,
    )
    .join('')}</table>
<p style="margin-top:16px">Their question:</p>
<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:3px solid #9ca3af;white-space:pre-wrap">${e(question.reason)}</blockquote>
<p><b>${e(effect)}</b></p>
<p>${e(todo)}</p>
<p style="color:#6b7280">${e(settings.msp.name)}</p>
</body></html>`;
  return { subject, text, html, attachments: [] };
}
