/**
 * The AR aging report (docs/contract.md §8) as HTML and plain text; the CSV is the domain's
 * `agingCsv`. The chart is a stacked bar of table cells per currency, so it renders in every
 * email client without images or scripts; bar widths are display pixels, never money.
 */
import { AGING_BUCKETS, type AgingAmounts, type AgingReport } from '../domain/compute-aging.js';
import { formatMoney, type Dec } from '../domain/money.js';
import { DSO_WINDOW_DAYS, type Dso } from '../domain/aging-metrics.js';
import type { InvoiceAccount } from '../domain/billing-types.js';
import { escapeHtml } from '../render/escape.js';

export interface AgingReportInput {
  readonly mspName: string;
  readonly asOf: string;
  readonly report: AgingReport;
  readonly invoices: readonly (InvoiceAccount & { stepsSent?: ReadonlySet<string> })[];
  /** The last dunning step: clients with an invoice that reached it are listed. */
  readonly finalStep?: string;
  /** DSO as of earlier dates, oldest first, ending with the report's own (domain dsoTrend). */
  readonly dsoTrend?: readonly { readonly asOf: string; readonly dso: readonly Dso[] }[];
}

const COLORS: Readonly<Record<(typeof AGING_BUCKETS)[number], string>> = {
  current: '#16a34a',
  '1-30': '#ca8a04',
  '31-60': '#ea580c',
  '61-90': '#dc2626',
  '90+': '#7f1d1d',
};
const BAR_WIDTH = 420;

export function renderAgingReport(input: AgingReportInput): { html: string; text: string } {
  const { report } = input;
  const finalNotices =
    input.finalStep === undefined
      ? []
      : input.invoices
          .filter((i) => i.stepsSent?.has(input.finalStep as string))
          .map((i) => `${i.invoice.clientId} (${i.invoice.number})`);
  // With under 90 days of history the window is shorter, and the report says so beside the figure.
  const short = (d: Dso): string =>
    d.windowDays < DSO_WINDOW_DAYS
      ? `, ${d.windowDays} days: less than ${DSO_WINDOW_DAYS} days of history, counted from the first invoice`
      : '';
  const dso = report.dso.map(
    (d) =>
      `DSO ${d.currency} (${d.from} to ${d.to}${short(d)}): ${d.days === undefined ? 'n/a' : `${d.days.toString()} days`}`,
  );
  const shortest = Math.min(DSO_WINDOW_DAYS, ...report.dso.map((d) => d.windowDays));
  const dsoHeading =
    shortest < DSO_WINDOW_DAYS
      ? `Days sales outstanding (the ${shortest} days since the first invoice)`
      : `Days sales outstanding (trailing ${DSO_WINDOW_DAYS} days)`;
  const late = report.lateness
    .filter((l) => l.averageDaysLate !== undefined)
    .map(
      (l) =>
        `${l.clientName || l.clientId}: ${l.averageDaysLate?.toString()} days late on average over ${l.invoicesPaid} paid invoice(s)`,
    );
  const trend = trendRows(input.dsoTrend ?? []);
  const amounts = (b: AgingAmounts, total: Dec, currency: string): string[] => [
    ...AGING_BUCKETS.map((k) => formatMoney(b[k], currency)),
    formatMoney(total, currency),
  ];

  const text = [
    `AR aging as of ${input.asOf} — ${input.mspName}`,
    '',
    ['client', 'currency', ...AGING_BUCKETS, 'total'].join('\t'),
    ...report.rows.map((r) =>
      [r.clientName || r.clientId, r.currency, ...amounts(r.buckets, r.total, r.currency)].join('\t'),
    ),
    ...report.totals.map((t) => ['TOTAL', t.currency, ...amounts(t.buckets, t.total, t.currency)].join('\t')),
    '',
    ...dso,
    ...(trend.rows.length
      ? [
          '',
          `DSO trend (days): ${trend.dates.join(', ')}`,
          ...trend.rows.map((r) => `  ${r.currency}: ${r.days.join(', ')}`),
        ]
      : []),
    '',
    ...late,
    ...(finalNotices.length ? ['', `Reached the final notice: ${finalNotices.join(', ')}`] : []),
  ].join('\n');

  const th = (c: string, right = false): string =>
    `<th style="padding:4px 8px;background:#f3f4f6;text-align:${right ? 'right' : 'left'}">${escapeHtml(c)}</th>`;
  const td = (c: string, right = false): string =>
    `<td style="padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:${right ? 'right' : 'left'}">${escapeHtml(c)}</td>`;
  const tableRows = [
    ...report.rows.map(
      (r) =>
        `<tr>${td(r.clientName || r.clientId)}${td(r.currency)}${amounts(r.buckets, r.total, r.currency)
          .map((a) => td(a, true))
          .join('')}</tr>`,
    ),
    ...report.totals.map(
      (t) =>
        `<tr style="font-weight:bold">${td('TOTAL')}${td(t.currency)}${amounts(t.buckets, t.total, t.currency)
          .map((a) => td(a, true))
          .join('')}</tr>`,
    ),
  ];
  const list = (items: string[]): string => `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
  const title = `AR aging as of ${input.asOf} — ${input.mspName}`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;color:#111;margin:24px;max-width:960px">
<h1 style="font-size:20px">AR aging as of ${escapeHtml(input.asOf)}</h1>
<p>${escapeHtml(input.mspName)} — open balances by days past due.</p>
${report.totals.map((t) => chart(t.currency, t.buckets, t.total)).join('\n')}
<table style="border-collapse:collapse;font-size:13px"><tr>${th('Client')}${th('Currency')}${AGING_BUCKETS.map((b) => th(b, true)).join('')}${th('Total', true)}</tr>
${tableRows.join('\n')}</table>
<h2 style="font-size:16px">${escapeHtml(dsoHeading)}</h2>${list(dso)}
${trend.rows.length ? `<h3 style="font-size:14px">DSO trend, days</h3><table style="border-collapse:collapse;font-size:13px"><tr>${th('Currency')}${trend.dates.map((d) => th(d, true)).join('')}</tr>${trend.rows.map((r) => `<tr>${td(r.currency)}${r.days.map((d) => td(d, true)).join('')}</tr>`).join('')}</table>` : ''}
<h2 style="font-size:16px">Average days late (last 12 months)</h2>${late.length ? list(late) : '<p>No invoice paid in the last 12 months.</p>'}
${finalNotices.length ? `<h2 style="font-size:16px">Clients who reached the final notice</h2>${list(finalNotices)}` : ''}
</body></html>`;
  return { html, text };
}

/** One row per currency that has a DSO at any date; `n/a` where nothing was invoiced in that window. */
function trendRows(points: readonly { readonly asOf: string; readonly dso: readonly Dso[] }[]): {
  dates: string[];
  rows: { currency: string; days: string[] }[];
} {
  const currencies = [
    ...new Set(points.flatMap((p) => p.dso.filter((d) => d.days !== undefined).map((d) => d.currency))),
  ].sort();
  return {
    dates: points.map((p) => p.asOf),
    rows: currencies.map((currency) => ({
      currency,
      days: points.map((p) => p.dso.find((d) => d.currency === currency)?.days?.toString() ?? 'n/a'),
    })),
  };
}

function chart(currency: string, buckets: AgingAmounts, total: Dec): string {
  const cells = AGING_BUCKETS.filter((b) => buckets[b].greaterThan(0))
    .map((b) => {
      const width = Math.max(2, Math.round(buckets[b].div(total).times(BAR_WIDTH).toNumber()));
      return `<td data-bar title="${b}" style="background:${COLORS[b]};height:18px;width:${width}px;padding:0"></td>`;
    })
    .join('');
  const described = AGING_BUCKETS.filter((b) => buckets[b].greaterThan(0))
    .map((b) => `${b} ${formatMoney(buckets[b], currency)}`)
    .join(', ');
  const legend = AGING_BUCKETS.map(
    (b) => `<span style="color:${COLORS[b]}">&#9632;</span> ${b} ${escapeHtml(formatMoney(buckets[b], currency))}`,
  ).join(' &nbsp; ');
  return `<p style="margin:12px 0 2px"><b>${escapeHtml(currency)}</b> ${escapeHtml(formatMoney(total, currency))} open</p>
<table role="img" aria-label="${escapeHtml(`${currency} ${formatMoney(total, currency)} open by days past due: ${described}`)}" style="border-collapse:collapse"><tr>${cells}</tr></table><p style="font-size:11px;margin:2px 0 12px">${legend}</p>`;
}
