/**
 * The billing team's alert that a client disputed a card payment with their bank (a Stripe
 * dispute, or chargeback): the invoice is marked disputed (dunning stops for it) and someone has
 * to answer the dispute in the provider's dashboard before its deadline.
 */
import type { Dec } from '../domain/money.js';
import type { Settings } from '../domain/billing-types.js';
import type { EmailContent } from './email-content.js';
import { escapeHtml as e, safeHeader } from './escape.js';
import { formatsFor, localeOf } from './format.js';

export interface DisputeAlert {
  readonly settings: Settings;
  /** The provider's dispute id (`dp_…`). */
  readonly disputeId: string;
  /** The payment disputed (`pi_…`). */
  readonly paymentReference: string;
  /** The invoice the payment was for; undefined when the provider's metadata names none we know. */
  readonly invoiceNumber: string | undefined;
  readonly clientName: string | undefined;
  readonly amount: Dec;
  readonly currency: string;
  /** The bank's reason, as the provider gives it (`fraudulent`, `product_not_received`, …). */
  readonly reason: string;
  /** The MSP-time-zone day the dispute was opened. */
  readonly on: string;
}

export function disputeAlertEmail(alert: DisputeAlert): EmailContent {
  const { settings } = alert;
  const f = formatsFor(localeOf(settings));
  const amount = f.moneyWithCode(alert.amount, alert.currency);
  const invoice = alert.invoiceNumber ?? 'an unknown invoice';
  const subject = safeHeader(`Payment disputed: ${amount} for ${invoice} — ${settings.msp.name}`);
  const rows: [string, string][] = [
    ['Dispute', alert.disputeId],
    ['Opened on', f.date(alert.on)],
    ['Payment', alert.paymentReference],
    ['Amount', amount],
    ['Reason', alert.reason.replace(/_/g, ' ')],
    ['Invoice', alert.invoiceNumber ?? '(none found)'],
    ...(alert.clientName ? [['Client', alert.clientName] as [string, string]] : []),
  ];
  const effect = alert.invoiceNumber
    ? `Invoice ${alert.invoiceNumber} is now marked disputed: dunning stops for it.`
    : 'No invoice of ours matches the payment, so nothing was marked disputed.';
  const todo =
    "Answer the dispute in the Stripe Dashboard (Payments → Disputes) before its deadline, with the invoice and any proof of service; until then the bank holds the money. The payment stays applied in TrueUp: if the dispute is lost, record the money taken back (a refund, a negative payment) so the invoice's balance is right.";
  const text = [
    `A client disputed a payment with their bank.`,
    '',
    ...rows.map(([k, v]) => `  ${k}: ${v}`),
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
<h1 style="font-size:18px">A client disputed a payment</h1>
<table style="border-collapse:collapse;font-size:13px">${rows
    .map(
      ([k, v]) =>
        `<tr><td style="padding:4px 8px;border-bottom:1px solid #ddd;color:#374151">${e(k)}</td><td style="padding:4px 8px;border-bottom:1px solid #ddd">${e(v)}</td></tr>`,
    )
    .join('')}</table>
<p><b>${e(effect)}</b></p>
<p>${e(todo)}</p>
<p style="color:#6b7280">${e(settings.msp.name)}</p>
</body></html>`;
  return { subject, text, html, attachments: [] };
}
