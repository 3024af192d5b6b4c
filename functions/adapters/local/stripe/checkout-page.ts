/**
 * The stand-in's hosted checkout page (Stripe Checkout's place, locally): what is being paid,
 * line by line, the method, and one Pay button (`id="pay"`) that posts back to complete the
 * session. Neutral, self-contained HTML: no scripts, fonts or images from anywhere.
 */
import { formatMoney, fromMinorUnits } from '../../../domain/money.js';
import { escapeHtml as e } from '../../../render/escape.js';

export interface CheckoutPageView {
  readonly sessionId: string;
  readonly currency: string;
  readonly lines: readonly { readonly name: string; readonly amount: number }[];
  readonly total: number;
  readonly methods: readonly string[];
  /** `open`, or `complete` once paid (the page then says so and offers no button). */
  readonly status: string;
}

const METHOD_NAMES: Readonly<Record<string, string>> = {
  card: 'Card (test Visa •••• 4242)',
  us_bank_account: 'US bank account (test •••• 6789)',
};

export function checkoutPageHtml(view: CheckoutPageView): string {
  const money = (minor: number): string =>
    `${formatMoney(fromMinorUnits(minor, view.currency), view.currency)} ${view.currency.toUpperCase()}`;
  const lines = view.lines
    .map((line) => `<tr><td>${e(line.name)}</td><td class="amount">${e(money(line.amount))}</td></tr>`)
    .join('\n');
  const methods = view.methods
    .map(
      (method, i) =>
        `<label><input type="radio" name="method" value="${e(method)}"${i === 0 ? ' checked' : ''}> ${e(
          METHOD_NAMES[method] ?? method,
        )}</label>`,
    )
    .join('<br>\n');
  const action =
    view.status === 'open'
      ? `<form method="post" action="/c/pay/${e(view.sessionId)}">
<fieldset><legend>Pay with</legend>
${methods}
</fieldset>
<button type="submit" id="pay">Pay ${e(money(view.total))}</button>
</form>`
      : `<p id="done">This payment is complete.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout (local test mode)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}
table{width:100%;border-collapse:collapse}td{padding:.4rem 0;border-bottom:1px solid #ddd}
.amount{text-align:right}tfoot td{font-weight:bold;border:0}fieldset{margin:1rem 0}
button{font-size:1.1rem;padding:.6rem 1.4rem}.note{color:#666;font-size:.85rem}</style></head>
<body>
<p class="note">Local test mode: no real money moves.</p>
<h1>Checkout</h1>
<table><tbody>
${lines}
</tbody><tfoot><tr><td>Total</td><td class="amount" id="total">${e(money(view.total))}</td></tr></tfoot></table>
${action}
</body></html>
`;
}
