/**
 * The auto-pay email (docs/auto-pay.md): tells an auto-pay client what was charged, to which
 * saved card or bank account, for which invoice. Sent once per invoice (outbox key
 * `autopay#<number>`), in the frame of the other client emails.
 */
import { formatMoney, type Dec } from '../domain/money.js';
import type { Client, Settings } from '../domain/billing-types.js';
import type { EmailContent } from './email-content.js';
import { keyValueTable, layout, p, signature, textTable } from './emails.js';
import { escapeHtml as e, safeHeader } from './escape.js';
import { formatsFor, localeOf } from './format.js';

export interface AutoPayEmailInput {
  readonly settings: Settings;
  readonly client: Client;
  /** The day of the charge (the auto-pay run's date). */
  readonly date: string;
  readonly invoice: { readonly number: string; readonly dueDate: string };
  readonly amount: Dec;
  readonly currency: string;
  /** What was charged, as the provider names it ("Visa •••• 4242"); absent when it did not say. */
  readonly methodDetail?: string;
  /** The provider's id of the charge (Stripe `pi_…`), for the client's reference. */
  readonly paymentId: string;
}

export function autoPayEmail(input: AutoPayEmailInput): EmailContent {
  const { settings, client, invoice, currency } = input;
  const f = formatsFor(localeOf(settings));
  const amount = f.moneyWithCode(input.amount, currency);
  const method = input.methodDetail ?? 'your saved payment method';
  // Plain figures in the subject, as the other emails' subjects (the sent log records them).
  const subject = safeHeader(
    `Auto-pay: ${currency} ${formatMoney(input.amount, currency)} charged for invoice ${invoice.number} — ${settings.msp.name}`,
  );
  const opening = `As arranged, we charged ${amount} to ${method} on ${f.date(input.date)} for invoice ${invoice.number}.`;
  const rows: [string, string][] = [
    ['Invoice', invoice.number],
    ['Amount charged', amount],
    ['Charged to', method],
    ['Date', f.date(input.date)],
    ['Payment reference', input.paymentId],
  ];
  const closing =
    'No action is needed. If you did not expect this charge or want to change your payment method, reply to this email.';
  const text = [
    `Dear ${client.name},`,
    '',
    opening,
    '',
    textTable(rows, []),
    '',
    closing,
    '',
    'Kind regards,',
    signature(settings),
  ].join('\n');
  const html = layout(
    settings,
    subject,
    [
      p(`Dear ${e(client.name)},`),
      p(e(opening)),
      keyValueTable(rows),
      p(e(closing), 'color:#374151'),
      p('Kind regards,'),
    ].join('\n'),
  );
  return { subject, text, html, attachments: [] };
}
