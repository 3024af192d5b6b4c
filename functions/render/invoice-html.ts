/**
 * The invoice as a self-contained HTML page (stored beside the PDF): the same content and
 * order as the PDF, inline CSS only, no scripts or external resources, and print styles so it
 * prints on one or more pages of the configured paper size with the table header repeated.
 * The logo, when set, is inlined as a `data:` URL in an <img> (an SVG shown through <img>
 * runs no scripts). Every user value is escaped.
 */
import type { InvoiceView } from './email-content.js';
import { escapeHtml as e } from './escape.js';
import { paperSizeOf } from './format.js';
import { columnLabels, invoiceModel, type InvoiceModel } from './invoice-model.js';
import type { Logo, Settings } from '../domain/billing-types.js';

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; background: #f3f4f6; color: #111827; font: 13px/1.45 Helvetica, Arial, sans-serif; }
  .sheet { max-width: 820px; margin: 24px auto; background: #fff; padding: 40px 44px; }
  .top { display: flex; justify-content: space-between; gap: 24px; }
  .logo { display: block; max-width: 190px; max-height: 76px; }
  .covers { margin: 6px 0 0; text-align: right; color: #374151; }
  .extra { color: #6b7280; }
  .payment { margin-top: 18px; padding: 10px 14px; border: 1px solid #e5e7eb; background: #f9fafb; page-break-inside: avoid; break-inside: avoid; }
  .payment p { margin: 4px 0 0; }
  .from { margin-top: 12px; color: #374151; }
  .from strong, .billto strong { display: block; color: #111827; font-size: 15px; }
  h1 { margin: 0 0 10px; font-size: 32px; letter-spacing: 1px; text-align: right; }
  .meta { border-collapse: collapse; margin-left: auto; }
  .meta th { text-align: right; font-weight: normal; color: #6b7280; padding: 1px 12px 1px 0; }
  .meta td { text-align: right; font-weight: bold; padding: 1px 0; }
  .mid { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; margin: 28px 0 24px; }
  .label { font-size: 11px; font-weight: bold; letter-spacing: .5px; color: #6b7280; text-transform: uppercase; }
  .billto { color: #374151; }
  .due { background: #f3f4f6; padding: 10px 16px; text-align: right; min-width: 220px; }
  .due .amount { font-size: 20px; font-weight: bold; }
  table.lines { width: 100%; border-collapse: collapse; }
  table.lines thead th { background: #f3f4f6; color: #374151; font-size: 12px; padding: 7px 8px; text-align: right; }
  table.lines thead th:first-child { text-align: left; }
  table.lines td { padding: 6px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; text-align: right; white-space: nowrap; }
  table.lines td.desc { text-align: left; white-space: normal; width: 55%; }
  table.lines tr.group td { font-weight: bold; border-bottom: 1px solid #d1d5db; padding-top: 12px; text-align: left; }
  table.lines tr { page-break-inside: avoid; break-inside: avoid; }
  .detail { display: block; color: #6b7280; font-size: 11px; }
  .bottom { display: flex; justify-content: space-between; gap: 32px; margin-top: 18px; page-break-inside: avoid; break-inside: avoid; }
  .terms { max-width: 330px; color: #374151; }
  .terms p { margin: 4px 0; }
  .nowrap { white-space: nowrap; }
  .totals { border-collapse: collapse; min-width: 300px; }
  .totals th { text-align: right; font-weight: normal; color: #374151; padding: 3px 16px 3px 0; }
  .totals td { text-align: right; padding: 3px 0; white-space: nowrap; }
  .totals tr.strong th, .totals tr.strong td { font-weight: bold; color: #111827; font-size: 15px; border-top: 1px solid #9ca3af; padding-top: 6px; }
  .status { display: inline-block; margin-top: 6px; font-size: 11px; color: #374151; border: 1px solid #d1d5db; padding: 1px 6px; }
  footer { margin-top: 32px; border-top: 1px solid #e5e7eb; padding-top: 8px; color: #6b7280; font-size: 11px; }
  @media screen and (max-width: 640px) {
    .sheet { margin: 0; padding: 24px 16px; }
    .top, .mid, .bottom { flex-direction: column; gap: 16px; }
    .logo { max-width: 150px; max-height: 60px; }
    .covers { text-align: left; }
    h1 { text-align: left; font-size: 26px; }
    .meta { margin-left: 0; }
    .meta th { text-align: left; }
    .meta td { text-align: left; }
    .due { text-align: left; min-width: 0; align-self: stretch; }
    table.lines thead th, table.lines td { padding-left: 4px; padding-right: 4px; }
    table.lines td { white-space: normal; }
    .totals { min-width: 0; width: 100%; }
  }
  @media print {
    body { background: #fff; }
    .sheet { margin: 0; padding: 0; max-width: none; }
    thead { display: table-header-group; }
  }
`;

/** The DRAFT watermark of a draft held for review, on every printed page (`position: fixed`). */
const WATERMARK =
  '<div aria-hidden="true" style="position:fixed;top:40%;left:0;right:0;text-align:center;font-size:140px;font-weight:bold;letter-spacing:12px;color:rgba(220,38,38,.14);transform:rotate(-30deg);pointer-events:none">DRAFT</div>';

const STATUS_LABELS: Readonly<Record<string, string>> = {
  open: 'Open',
  partially_paid: 'Partially paid',
  paid: 'Paid',
  void: 'Void',
};

/**
 * Escaped text with each ISO date and the invoice number kept on one line: a browser may
 * break `2025-02-08` or `INV-2025-000001` at a hyphen.
 */
function keepWhole(escaped: string, texts: readonly string[]): string {
  const whole = (s: string): string => `<span class="nowrap">${s}</span>`;
  const [first, ...rest] = texts;
  if (first === undefined) return escaped.replace(/\b\d{4}-\d{2}-\d{2}\b/g, whole);
  return escaped
    .split(e(first))
    .map((part) => keepWhole(part, rest))
    .join(whole(e(first)));
}

/**
 * The Pay button under the balance: styled inline (the shared stylesheet stays as it was for
 * documents without one), and printed with its colours so it does not print white on white.
 */
function payLink(m: InvoiceModel): string {
  if (!m.pay) return '';
  const style =
    'display:inline-block;margin-top:10px;padding:8px 16px;background:#1f2937;color:#fff;font-weight:bold;' +
    'text-decoration:none;border-radius:4px;-webkit-print-color-adjust:exact;print-color-adjust:exact';
  return `<div><a class="pay" href="${e(m.pay.url)}" style="${style}">${e(m.pay.label)}</a></div>`;
}

function lines(texts: readonly string[]): string {
  return texts.map((l) => `${e(l)}<br>`).join('');
}

export function renderInvoiceHtml(view: InvoiceView): string {
  return renderDocumentHtml(invoiceModel(view), view);
}

/** A document laid out as an invoice (an invoice, a credit note) from its model. */
export function renderDocumentHtml(m: InvoiceModel, view: { settings: Settings; logo?: Logo }): string {
  const meta = m.meta.map((r) => `<tr><th>${e(r.label)}</th><td>${e(r.value)}</td></tr>`).join('');
  const groups = m.groups
    .map((g) =>
      [
        `<tr class="group"><td colspan="4">${e(g.label)}</td></tr>`,
        ...g.rows.map(
          (r) =>
            `<tr><td class="desc">${e(r.description)}${r.detail ? `<span class="detail">${e(r.detail)}</span>` : ''}</td>` +
            `<td>${e(r.quantity)}</td><td>${e(r.unitPrice)}</td><td>${e(r.amount)}</td></tr>`,
        ),
      ].join('\n'),
    )
    .join('\n');
  const c = columnLabels(m);
  const headings = [c.description, c.quantity, c.unitPrice, c.amount].map((h) => `<th>${e(h)}</th>`).join('');
  const totals = m.totals
    .map((r) => `<tr${r.strong ? ' class="strong"' : ''}><th>${e(r.label)}</th><td>${e(r.value)}</td></tr>`)
    .join('');
  const status = STATUS_LABELS[m.status] ?? m.status;
  const statusTag = status ? `<span class="status">${e(status)}</span>` : '';
  const logo = view.logo
    ? `<img class="logo" src="data:${e(view.logo.contentType)};base64,${view.logo.base64}" alt="${e(m.from.name)}">`
    : '';
  const payment = m.payment
    ? `<div class="payment"><div class="label">How to pay</div>${m.payment.instructions.length ? `<p>${lines(m.payment.instructions)}</p>` : ''}` +
      `${m.payment.remitTo.length ? `<p><strong>Remit to</strong><br>${lines(m.payment.remitTo)}</p>` : ''}</div>`
    : '';
  return `<!doctype html>
<html lang="${e(m.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(m.title)} — ${e(m.from.name)}</title>
<style>@page { size: ${paperSizeOf(view.settings) === 'Letter' ? 'letter' : 'A4'}; margin: 16mm 14mm; }${STYLE}</style>
</head>
<body>
<main class="sheet">${m.draft ? `\n${WATERMARK}` : ''}
<div class="top">
  <div>
    ${logo}
    <div class="from"><strong>${e(m.from.name)}</strong>${lines(m.from.address)}${e(m.from.email)}${m.from.extra.map((l) => `<br><span class="extra">${e(l)}</span>`).join('')}</div>
  </div>
  <div>
    <h1>${e(m.heading ?? (m.draft ? 'DRAFT INVOICE' : 'INVOICE'))}</h1>
    <table class="meta">${meta}</table>
    ${m.covers ? `<p class="covers">${e(m.covers)}</p>` : ''}
  </div>
</div>
<div class="mid">
  <div class="billto"><div class="label">Bill to</div><strong>${e(m.billTo.name)}</strong>${lines(m.billTo.address)}${e(m.billTo.emails)}<br><span class="extra">Client ID: ${e(m.billTo.clientId)}</span>${m.billTo.extra.map((l) => `<br><span class="extra">${e(l)}</span>`).join('')}</div>
  <div class="due"><div class="label">${e(m.balanceLabel ?? 'Balance due')}</div><div class="amount">${e(m.balanceDue)}</div>${statusTag}${payLink(m)}</div>
</div>
<table class="lines">
<thead><tr>${headings}</tr></thead>
<tbody>
${groups || '<tr><td class="desc" colspan="4">No lines.</td></tr>'}
</tbody>
</table>
<div class="bottom">
  <div class="terms"><div class="label">${e(m.termsLabel ?? 'Payment terms')}</div>${m.terms.map((t) => `<p>${keepWhole(e(t), m.keepWhole)}</p>`).join('')}</div>
  <table class="totals">${totals}</table>
</div>
${payment}
<footer>${e(m.from.name)} · ${e(m.title)}</footer>
</main>
</body>
</html>
`;
}
