/**
 * The small HTML pages of the payments endpoint (docs/payments.md): what a client sees when a
 * Pay link cannot take money (paid, void, unknown, refused), the choice between bank and card
 * when a card surcharge applies, and the pages the hosted checkout returns to. Self-contained
 * (inline styles, no scripts, no external requests); every user value is escaped.
 */
import type { Dec } from '../domain/money.js';
import type { PaymentMethodType, Settings } from '../domain/billing-types.js';
import { escapeHtml as e } from './escape.js';
import { formatsFor, localeOf } from './format.js';

export interface PaymentPage {
  readonly status: number;
  readonly html: string;
}

/** Who the page is from: the MSP when the reference data is loaded, else a neutral title. */
type Sender = Pick<Settings, 'msp' | 'locale'> | undefined;

function page(sender: Sender, title: string, body: string): string {
  const name = sender?.msp.name ?? 'Online payment';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${e(title)} — ${e(name)}</title></head>
<body style="margin:0;padding:32px 12px;background:#f3f4f6;font-family:Helvetica,Arial,sans-serif;color:#111827">
<main style="max-width:520px;margin:0 auto;background:#fff;border:1px solid #e5e7eb;padding:24px 28px;line-height:1.5">
<p style="margin:0 0 16px;font-weight:bold;font-size:18px;border-bottom:3px solid #1f2937;padding-bottom:12px">${e(name)}</p>
<h1 style="font-size:20px;margin:0 0 12px">${e(title)}</h1>
${body}
${sender ? `<p style="margin:24px 0 0;color:#6b7280;font-size:13px">Questions? <a href="mailto:${e(sender.msp.email)}" style="color:#374151">${e(sender.msp.email)}</a></p>` : ''}
</main>
</body></html>
`;
}

const para = (text: string): string => `<p style="margin:0 0 12px">${e(text)}</p>`;

/** The token does not match the invoice (a mistyped or altered link): nothing about the invoice is shown. */
export function forbiddenPage(sender: Sender): PaymentPage {
  return {
    status: 403,
    html: page(
      sender,
      'This payment link is not valid',
      para('Please use the Pay link exactly as it appears on your invoice or in our email.'),
    ),
  };
}

export function notFoundPage(sender: Sender): PaymentPage {
  return { status: 404, html: page(sender, 'Page not found', para('There is nothing at this address.')) };
}

/** Payments are off (trueup.json has no `payments`) or nothing is wired to take them. */
export function unavailablePage(sender: Sender): PaymentPage {
  return {
    status: 503,
    html: page(
      sender,
      'Online payment is not available',
      para('Online payment is not available right now. Please pay as described on your invoice.'),
    ),
  };
}

/** The provider could not start a payment page (its API failed): try again. */
export function checkoutErrorPage(sender: Sender): PaymentPage {
  return {
    status: 502,
    html: page(
      sender,
      'The payment page could not be opened',
      para('Something went wrong while opening the payment page. Please try the link again in a few minutes.'),
    ),
  };
}

export function unknownInvoicePage(sender: Sender, number: string): PaymentPage {
  return {
    status: 404,
    html: page(sender, 'Invoice not found', para(`We could not find invoice ${number}. Please contact us.`)),
  };
}

export function invoicePaidPage(sender: Sender, number: string): PaymentPage {
  return {
    status: 200,
    html: page(sender, `Invoice ${number} is paid`, para('There is nothing left to pay on this invoice. Thank you.')),
  };
}

export function invoiceVoidPage(sender: Sender, number: string): PaymentPage {
  return {
    status: 200,
    html: page(sender, `Invoice ${number} was voided`, para('This invoice was cancelled: there is nothing to pay.')),
  };
}

/** The hosted checkout's success URL. The money is applied when the provider's webhook confirms it. */
export function thankYouPage(sender: Sender, number: string): PaymentPage {
  return {
    status: 200,
    html: page(
      sender,
      'Thank you for your payment',
      para(
        `Your payment for invoice ${number} was submitted. You will receive a receipt once it is confirmed; a bank payment can take a few business days.`,
      ),
    ),
  };
}

/** The hosted checkout's cancel URL: nothing was charged; the Pay link works again. */
export function cancelledPage(sender: Sender, number: string, payUrl: string | undefined): PaymentPage {
  const back = payUrl
    ? `<p style="margin:0 0 12px"><a href="${e(payUrl)}" style="color:#1d4ed8">Return to the payment page</a></p>`
    : '';
  return {
    status: 200,
    html: page(sender, 'Payment cancelled', para(`Nothing was charged for invoice ${number}.`) + back),
  };
}

export interface MethodChoice {
  readonly method: PaymentMethodType;
  /** The link that opens a payment page offering only this method. */
  readonly url: string;
  /** The card surcharge, shown as its own line; absent for a bank payment. */
  readonly surcharge?: Dec;
}

/**
 * With a card surcharge (payments.cardSurchargePercent), the client chooses: a bank payment
 * for the balance, or a card for the balance plus the surcharge, each shown line by line.
 */
export function methodChoicePage(input: {
  settings: Settings;
  number: string;
  currency: string;
  balance: Dec;
  surchargePercent: Dec;
  choices: readonly MethodChoice[];
}): PaymentPage {
  const { settings, number, currency, balance } = input;
  const f = formatsFor(localeOf(settings));
  const money = (value: Dec): string => f.moneyWithCode(value, currency);
  const option = (choice: MethodChoice): string => {
    const label = choice.method === 'card' ? 'Pay by card' : 'Pay by bank transfer (ACH)';
    const lines: [string, string][] =
      choice.surcharge && choice.surcharge.greaterThan(0)
        ? [
            [`Invoice ${number}`, money(balance)],
            [`Card surcharge (${f.percent(input.surchargePercent)})`, money(choice.surcharge)],
            ['Total charged', money(balance.plus(choice.surcharge))],
          ]
        : [[`Invoice ${number}`, money(balance)]];
    const rows = lines
      .map(
        ([k, v], i) =>
          `<tr><td style="padding:4px 0${i === lines.length - 1 && lines.length > 1 ? ';font-weight:bold' : ''}">${e(k)}</td><td style="padding:4px 0;text-align:right${i === lines.length - 1 && lines.length > 1 ? ';font-weight:bold' : ''}">${e(v)}</td></tr>`,
      )
      .join('');
    return `<section style="border:1px solid #e5e7eb;padding:12px 16px;margin:0 0 14px">
<table style="width:100%;border-collapse:collapse;font-size:14px">${rows}</table>
<p style="margin:12px 0 0"><a id="pay-${choice.method}" href="${e(choice.url)}" style="display:inline-block;background:#1f2937;color:#fff;text-decoration:none;padding:10px 18px;font-weight:bold">${e(label)}</a></p>
</section>`;
  };
  const intro = `The balance of invoice ${number} is ${money(balance)}. A card payment carries a surcharge of ${f.percent(input.surchargePercent)}, shown below; a bank payment has none.`;
  return {
    status: 200,
    html: page(settings, `Pay invoice ${number}`, para(intro) + input.choices.map(option).join('\n')),
  };
}
