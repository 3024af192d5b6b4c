/**
 * The reconciliation report (docs/contract.md §8) as HTML, plain text and a CSV of every
 * discrepancy. Pure: takes the stored reconciliation, the rate history and the discrepancy
 * lifecycle figures.
 */
import type { ReconciliationJson } from '../domain/reconciliation-shape.js';
import { daysBetween } from '../domain/dates.js';
import { Dec, decimalText, formatMoney } from '../domain/money.js';
import Papa from 'papaparse';
import { closestNames } from './closest-names.js';
import { csvCell, escapeHtml } from '../render/escape.js';

export interface DiscrepancyLifecycle {
  /** The discrepancy's id, to find this period's discrepancies in it. */
  readonly id?: string;
  readonly status: 'open' | 'acknowledged' | 'resolved' | 'dismissed' | 'billed' | 'credited';
  readonly openedOn: string;
  readonly closedOn?: string;
  /** billed / credited: the invoice and line (1-based) that carried the amount. */
  readonly invoiceNumber?: string;
  readonly invoiceLine?: number;
  /** Closed by the pipeline itself (a true-up or credit line billed by policy), not by a person. */
  readonly automatic?: boolean;
}

export interface ReconciliationReportInput {
  readonly mspName: string;
  /** What the catalog knows, to suggest the closest match for unknown accounts and unmapped skus. */
  readonly catalog?: {
    readonly accounts: readonly { vendor: string; accountId: string; clientId: string }[];
    readonly products: readonly { sku: string; name: string }[];
    readonly vendorSkus: readonly { vendor: string; vendorSku: string }[];
    /** To show clients by name (the id when a client is not listed). */
    readonly clients?: readonly { clientId: string; name: string }[];
  };
  /** The rejected rows of the files listed, explained (see summarizeRejections). */
  readonly rejections?: readonly RejectionSummary[];
  readonly reconciliation: ReconciliationJson;
  /** Up to the last 6 periods, oldest first, including this one. */
  readonly history: readonly { period: string; discrepancyRate: string }[];
  readonly lifecycle: readonly DiscrepancyLifecycle[];
}

/** What went wrong in one file's rejected rows (its `rejected/<sha>/<name>.errors.csv`). */
export interface RejectionSummary {
  readonly file: string;
  /** Rows listed in the CSV. */
  readonly rows: number;
  /** Reasons with the value quoted from the file taken out, most frequent first. */
  readonly reasons: readonly { readonly reason: string; readonly count: number }[];
  /** The first few rejected rows as they are in the CSV. */
  readonly first: readonly { readonly line: string; readonly field: string; readonly reason: string }[];
  /** The CSV's name as attached to the email, when it is. */
  readonly attachedAs?: string;
}

export const FIRST_REJECTED_ROWS = 5;

/** Rows listed under "Handled automatically" and "Needs your decision"; the CSV has every one. */
export const LISTED_DECISIONS = 50;

function moreThanListed(count: number): string[] {
  return count > LISTED_DECISIONS
    ? [`… and ${count - LISTED_DECISIONS} more: every discrepancy is in the attached CSV.`]
    : [];
}

/** Reads a rejected-rows CSV (columns file, line, field, reason) into its summary. */
export function summarizeRejections(file: string, csv: string, attachedAs?: string): RejectionSummary {
  const parsed = Papa.parse<string[]>(csv.replace(/^\ufeff/, ''), { skipEmptyLines: true }).data.slice(1);
  const counts = new Map<string, number>();
  for (const [, , field = '', reason = ''] of parsed) {
    // `must be a number (got "abc")`, `"1e3" uses exponent notation`: the value quoted from the
    // file differs row by row, the reason does not.
    const general = `${field ? `${field}: ` : ''}${reason.replace(/\s*\(got [^)]*\)/g, '').replace(/"(?:[^"\\]|\\.)*"/g, '"…"')}`;
    counts.set(general, (counts.get(general) ?? 0) + 1);
  }
  return {
    file,
    rows: parsed.length,
    reasons: [...counts]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .map(([reason, count]) => ({ reason, count })),
    first: parsed
      .slice(0, FIRST_REJECTED_ROWS)
      .map(([, line = '', field = '', reason = '']) => ({ line, field, reason })),
    ...(attachedAs ? { attachedAs } : {}),
  };
}

export interface RenderedReport {
  readonly html: string;
  readonly text: string;
  readonly csv: string;
}

export function renderReconciliationReport(input: ReconciliationReportInput): RenderedReport {
  const r = input.reconciliation;
  const byType = summarizeByType(r);
  const top = [...r.discrepancies]
    .filter((d) => d.amountAtStake !== null)
    .sort((a, b) => new Dec(b.amountAtStake ?? 0).comparedTo(new Dec(a.amountAtStake ?? 0)))
    .slice(0, 10);
  const lifecycle = lifecycleFigures(input.lifecycle);
  const rate = (text: string): string => `${decimalText(new Dec(text).times(100), 2)}%`;
  const clientNames = new Map((input.catalog?.clients ?? []).map((c) => [c.clientId, c.name]));
  const productNames = new Map((input.catalog?.products ?? []).map((p) => [p.sku, p.name]));
  const who = (d: Discrepancy): string =>
    d.clientId !== undefined ? clientNames.get(d.clientId) || d.clientId : (d.vendor ?? '');
  const what = (d: Discrepancy): string => {
    if (d.sku === undefined) return d.accountId ?? d.vendorSku ?? '';
    const name = productNames.get(d.sku);
    return name ? `${d.sku} (${name})` : d.sku;
  };
  const rejections = input.rejections ?? [];
  const { handled, undecided } = splitByDecision(r.discrepancies, input.lifecycle);
  const carried = (x: { d: Discrepancy; on: DiscrepancyLifecycle }): string =>
    `${x.on.status} on ${x.on.invoiceNumber ?? '?'} line ${x.on.invoiceLine ?? '?'}`;
  const amount = (d: Discrepancy): string => (d.amountAtStake === null ? '' : `${d.amountAtStake} ${d.currency}`);

  // A feed that did not arrive comes first: its clients' usage lines are held, not billed.
  const feeds = r.discrepancies.filter((d) => d.type === 'missing_feed');
  const released = r.released ?? [];
  const missingVendors = new Set(feeds.map((d) => d.vendor));
  const notDue = [...new Set((r.held ?? []).map((h) => h.vendor))].filter((v) => !missingVendors.has(v)).sort();
  const feedText = [
    ...feeds.map((d) => `MISSING FEED: ${d.vendor ?? ''} — ${d.detail ?? ''}`),
    ...notDue.map(
      (v) =>
        `Not due yet: ${v}'s usage for ${r.period}; ${(r.held ?? []).filter((h) => h.vendor === v).length} pair(s) held and billed on the run after it arrives`,
    ),
    ...released.map(
      (h) =>
        `Released: ${h.vendor}'s usage for ${h.period} arrived; ${h.pairs.length} held pair(s) reconciled and billed on this run's invoices`,
    ),
  ];
  const text = [
    `Reconciliation report ${r.period} — ${input.mspName}`,
    ...(feedText.length > 0 ? [...feedText, ''] : []),
    `Pairs: ${r.metrics.pairs}; discrepancies: ${r.metrics.discrepancies}; discrepancy rate: ${rate(r.metrics.discrepancyRate)}`,
    `Trend: ${input.history.map((h) => `${h.period} ${rate(h.discrepancyRate)}`).join(', ')}`,
    '',
    'By type:',
    ...(byType.length ? byType.map((t) => `  ${t.type}: ${t.count} (${t.amounts})`) : ['  no discrepancies']),
    '',
    'Top amounts at stake:',
    ...(top.length ? top.map((d) => `  ${d.type} ${who(d)} ${what(d)}: ${d.amountAtStake} ${d.currency}`) : ['  none']),
    '',
    `Handled automatically (on ${invoicesOf(handled)}): ${handled.length}`,
    ...handled
      .slice(0, LISTED_DECISIONS)
      .map((x) => `  ${x.d.type} ${who(x.d)} ${what(x.d)}: ${amount(x.d)} — ${carried(x)}`),
    ...moreThanListed(handled.length).map((line) => `  ${line}`),
    '',
    `Needs your decision: ${undecided.length}`,
    ...undecided
      .slice(0, LISTED_DECISIONS)
      .map((d) => `  ${d.type} ${who(d)} ${what(d)}${d.amountAtStake === null ? '' : `: ${amount(d)}`} — ${d.id}`),
    ...moreThanListed(undecided.length).map((line) => `  ${line}`),
    '',
    'Files:',
    ...r.files.map(
      (f) =>
        `  ${f.name}: read ${f.rowsRead}, accepted ${f.rowsAccepted}, rejected ${f.rowsRejected}, duplicate ${f.rowsDuplicate}${f.duplicateOf ? ` (duplicate of ${f.duplicateOf})` : ''}${f.fileError ? ` — ${f.fileError}` : ''}`,
    ),
    ...rejections.flatMap((r) => ['', ...rejectionText(r)]),
    '',
    `Discrepancies open: ${lifecycle.open}; resolved or dismissed: ${lifecycle.closed}; mean resolution time: ${lifecycle.meanDays}${lifecycle.automatic > 0 ? `; closed on an invoice by policy: ${lifecycle.automatic}` : ''}`,
  ].join('\n');

  // Columns listed in `numeric` (counts, amounts) are right-aligned so their digits line up.
  const align = (i: number, numeric: readonly number[]): string =>
    numeric.includes(i) ? 'right;font-variant-numeric:tabular-nums' : 'left';
  const row =
    (numeric: readonly number[]) =>
    (cells: string[]): string =>
      `<tr>${cells.map((c, i) => `<td style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:${align(i, numeric)}">${escapeHtml(c)}</td>`).join('')}</tr>`;
  const head = (cells: string[], numeric: readonly number[]): string =>
    `<tr>${cells.map((c, i) => `<th style="text-align:${align(i, numeric)};padding:4px 8px;background:#f3f4f6">${escapeHtml(c)}</th>`).join('')}</tr>`;
  // An empty table says so in a sentence instead of printing a header with nothing under it.
  const table = (h: string[], rows: string[][], numeric: readonly number[] = [], empty = 'None.'): string =>
    rows.length === 0
      ? `<p>${escapeHtml(empty)}</p>`
      : `<div style="overflow-x:auto"><table style="border-collapse:collapse;font-size:13px">${head(h, numeric)}${rows.map(row(numeric)).join('')}</table></div>`;
  const unknown = r.discrepancies.filter((d) => d.type === 'unknown_account' || d.type === 'unmapped_sku');
  const title = `Reconciliation report ${r.period} — ${input.mspName}`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;color:#111;margin:24px;max-width:960px">
<h1 style="font-size:20px">Reconciliation report ${escapeHtml(r.period)}</h1>
${feedText.length > 0 ? `<div style="border:2px solid #b91c1c;background:#fef2f2;padding:8px 12px;margin:8px 0">${feedText.map((line) => `<p style="margin:4px 0"><b>${escapeHtml(line)}</b></p>`).join('')}</div>` : ''}
<p>${escapeHtml(input.mspName)} — ${r.metrics.pairs} pairs, ${r.metrics.discrepancies} discrepancies, discrepancy rate <b>${rate(r.metrics.discrepancyRate)}</b>.</p>
${
  input.history.length === 0
    ? ''
    : `<h2 style="font-size:16px">Discrepancy rate, last ${input.history.length === 1 ? 'period' : `${input.history.length} periods`}</h2>
${trendBars(input.history)}`
}
<h2 style="font-size:16px">By type</h2>
${table(
  ['Type', 'Count', 'Amount at stake'],
  byType.map((t) => [t.type, String(t.count), t.amounts]),
  [1],
  'No discrepancies this period.',
)}
<h2 style="font-size:16px">Top amounts at stake</h2>
${table(
  ['Type', 'Client / vendor', 'SKU / account', 'Amount', 'Currency'],
  top.map((d) => [d.type, who(d), what(d), d.amountAtStake ?? '', d.currency]),
  [3],
  'No amount at stake.',
)}
<h2 style="font-size:16px">Handled automatically (on ${escapeHtml(invoicesOf(handled))})</h2>
${table(
  ['Type', 'Client', 'SKU', 'Amount', 'Currency', 'Closed'],
  handled
    .slice(0, LISTED_DECISIONS)
    .map((x) => [x.d.type, who(x.d), what(x.d), x.d.amountAtStake ?? '', x.d.currency, carried(x)]),
  [3],
  'None this period.',
)}${moreThanListed(handled.length)
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('')}
<h2 style="font-size:16px">Needs your decision</h2>
${table(
  ['Type', 'Client / vendor', 'SKU / account', 'Amount', 'Currency', 'Id'],
  undecided.slice(0, LISTED_DECISIONS).map((d) => [d.type, who(d), what(d), d.amountAtStake ?? '', d.currency, d.id]),
  [3],
  'Nothing: every discrepancy of this period is handled.',
)}${moreThanListed(undecided.length)
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('')}
<h2 style="font-size:16px">Unknown accounts and unmapped SKUs</h2>
${table(
  ['Type', 'Vendor', 'Account / vendor SKU', 'Amount', 'Currency', 'Closest in your catalog'],
  unknown.map((d) => [
    d.type,
    d.vendor ?? '',
    d.accountId ?? d.vendorSku ?? '',
    d.amountAtStake ?? '',
    d.currency,
    suggestion(d, input.catalog),
  ]),
  [3],
  'None: every account and vendor SKU is known.',
)}
<h2 style="font-size:16px">Files ingested</h2>
${table(
  ['File', 'Format', 'Read', 'Accepted', 'Rejected', 'Duplicate', 'Note'],
  r.files.map((f) => [
    f.name,
    f.format ?? '',
    String(f.rowsRead),
    String(f.rowsAccepted),
    String(f.rowsRejected),
    String(f.rowsDuplicate),
    f.duplicateOf ? `duplicate of ${f.duplicateOf}` : (f.fileError ?? ''),
  ]),
  [2, 3, 4, 5],
  'No usage file arrived since the previous billing run.',
)}
${rejections
  .map(
    (rej) => `<h3 style="font-size:14px">Rejected rows of ${escapeHtml(rej.file)}</h3>
${table(
  ['Reason', 'Rows'],
  rej.reasons.map((x) => [x.reason, String(x.count)]),
  [1],
)}
<p>${escapeHtml(firstRowsLabel(rej))}:</p>
${table(
  ['Line', 'Field', 'Reason'],
  rej.first.map((x) => [x.line, x.field, x.reason]),
  [0],
)}
${rej.attachedAs ? `<p>Every rejected row is in the attached ${escapeHtml(rej.attachedAs)}.</p>` : ''}`,
  )
  .join('\n')}
<h2 style="font-size:16px">Follow-up</h2>
<p>Open: ${lifecycle.open}. Resolved or dismissed: ${lifecycle.closed}. Mean resolution time: ${escapeHtml(lifecycle.meanDays)}.${lifecycle.automatic > 0 ? ` Closed on an invoice by policy: ${lifecycle.automatic}.` : ''}</p>
</body></html>`;

  const statusOf = new Map(input.lifecycle.flatMap((l) => (l.id === undefined ? [] : [[l.id, l] as const])));
  const csvRows = [
    [
      'id',
      'type',
      'client_id',
      'sku',
      'vendor',
      'account_id',
      'vendor_sku',
      'amount_at_stake',
      'currency',
      'detail',
      'status',
      'invoice_number',
      'invoice_line',
    ],
    ...r.discrepancies.map((d) => [
      d.id,
      d.type,
      d.clientId ?? '',
      d.sku ?? '',
      d.vendor ?? '',
      d.accountId ?? '',
      d.vendorSku ?? '',
      d.amountAtStake ?? '',
      d.currency,
      d.detail ?? '',
      ...closureCells(statusOf.get(d.id)),
    ]),
  ];
  const csv = csvRows.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
  return { html, text, csv };
}

/** "did you mean" for an unknown account (accounts of the vendor) or unmapped sku (products and mapped skus). */
function suggestion(
  d: ReconciliationJson['discrepancies'][number],
  catalog: ReconciliationReportInput['catalog'],
): string {
  if (!catalog) return '';
  if (d.type === 'unknown_account') {
    const candidates = catalog.accounts
      .filter((a) => a.vendor === d.vendor)
      .map((a) => ({ key: a.accountId, label: `${a.accountId} (${a.clientId})` }));
    return closestNames(d.accountId ?? '', candidates).join('; ');
  }
  const candidates = [
    ...catalog.products.map((p) => ({ key: `${p.sku} ${p.name}`, label: `${p.sku} — ${p.name}` })),
    ...catalog.vendorSkus
      .filter((m) => m.vendor === d.vendor && m.vendorSku !== '*')
      .map((m) => ({ key: m.vendorSku, label: `mapped ${m.vendorSku}` })),
  ];
  return closestNames(d.vendorSku ?? '', candidates).join('; ');
}

function summarizeByType(r: ReconciliationJson): { type: string; count: number; amounts: string }[] {
  const types = new Map<string, { count: number; byCurrency: Map<string, Dec> }>();
  for (const d of r.discrepancies) {
    const entry = types.get(d.type) ?? { count: 0, byCurrency: new Map<string, Dec>() };
    entry.count += 1;
    if (d.amountAtStake !== null)
      entry.byCurrency.set(d.currency, (entry.byCurrency.get(d.currency) ?? new Dec(0)).plus(d.amountAtStake));
    types.set(d.type, entry);
  }
  return [...types.entries()].sort().map(([type, e]) => ({
    type,
    count: e.count,
    amounts: [...e.byCurrency.entries()]
      .sort()
      .map(([c, a]) => `${formatMoney(a, c)} ${c}`)
      .join(', '),
  }));
}

/**
 * Open, closed by a person (and the mean days they took), and closed by the pipeline itself:
 * only a person's decision counts toward the mean resolution time.
 */
function lifecycleFigures(items: readonly DiscrepancyLifecycle[]): {
  open: number;
  closed: number;
  automatic: number;
  meanDays: string;
} {
  const closed = items.filter((d) => d.closedOn !== undefined);
  const decided = closed.filter((d) => !d.automatic);
  const days = decided.map((d) => daysBetween(d.openedOn, d.closedOn as string));
  const mean =
    days.length === 0
      ? 'n/a'
      : `${decimalText(new Dec(days.reduce((a, b) => a + b, 0)).div(days.length).toDecimalPlaces(1))} days`;
  return {
    open: items.length - closed.length,
    closed: decided.length,
    automatic: closed.length - decided.length,
    meanDays: mean,
  };
}

/**
 * This period's discrepancies split: those an invoice line carried (billed or credited) and
 * those still waiting for a person (not closed in any way). Resolved and dismissed ones are in neither.
 */
function splitByDecision(
  discrepancies: readonly Discrepancy[],
  lifecycle: readonly DiscrepancyLifecycle[],
): { handled: { d: Discrepancy; on: DiscrepancyLifecycle }[]; undecided: Discrepancy[] } {
  const byId = new Map(lifecycle.flatMap((l) => (l.id === undefined ? [] : [[l.id, l] as const])));
  const handled: { d: Discrepancy; on: DiscrepancyLifecycle }[] = [];
  const undecided: Discrepancy[] = [];
  for (const d of discrepancies) {
    const on = byId.get(d.id);
    if (on && (on.status === 'billed' || on.status === 'credited')) handled.push({ d, on });
    else if (on?.closedOn === undefined) undecided.push(d);
  }
  return { handled, undecided };
}

/** The invoices that carried the handled discrepancies, named once each, for the heading. */
function invoicesOf(handled: readonly { on: DiscrepancyLifecycle }[]): string {
  const numbers = [...new Set(handled.map((x) => x.on.invoiceNumber ?? '?'))].sort();
  if (numbers.length === 0) return 'invoices';
  return numbers.length <= 3 ? numbers.join(', ') : `${numbers.slice(0, 3).join(', ')} and ${numbers.length - 3} more`;
}

/** The CSV's closing columns: status, invoice number, invoice line. */
function closureCells(on: DiscrepancyLifecycle | undefined): string[] {
  return [on?.status ?? 'open', on?.invoiceNumber ?? '', on?.invoiceLine === undefined ? '' : String(on.invoiceLine)];
}

/**
 * A bar chart as table cells: renders in every email client without images. `role="img"` and
 * its label describe it to screen readers; `data-bar` marks each bar.
 */
function trendBars(history: readonly { period: string; discrepancyRate: string }[]): string {
  const percent = (rate: string): string => `${decimalText(new Dec(rate).times(100), 1)}%`;
  const bars = history.map((h) => {
    const height = Math.max(2, Math.round(Number(decimalText(new Dec(h.discrepancyRate).times(100), 0))));
    return `<td style="vertical-align:bottom;text-align:center;padding:0 6px;font-size:11px">${percent(h.discrepancyRate)}<div data-bar style="width:28px;height:${height}px;background:#2563eb;margin:2px auto 0"></div>${escapeHtml(h.period)}</td>`;
  });
  const label = `Discrepancy rate by period: ${history.map((h) => `${h.period} ${percent(h.discrepancyRate)}`).join(', ')}`;
  return `<table role="img" aria-label="${escapeHtml(label)}" style="border-collapse:collapse"><tr>${bars.join('')}</tr></table>`;
}

type Discrepancy = ReconciliationJson['discrepancies'][number];

function rejectionText(r: RejectionSummary): string[] {
  return [
    `Rejected rows of ${r.file}: ${r.rows}`,
    ...r.reasons.map((x) => `  ${x.count} × ${x.reason}`),
    `  ${firstRowsLabel(r)}:`,
    ...r.first.map((x) => `    line ${x.line}${x.field ? `, ${x.field}` : ''}: ${x.reason}`),
    ...(r.attachedAs ? [`  every rejected row is in the attached ${r.attachedAs}`] : []),
  ];
}

function firstRowsLabel(r: RejectionSummary): string {
  return r.first.length === r.rows
    ? `The rejected row${r.rows === 1 ? '' : 's'}`
    : `The first ${r.first.length} of ${r.rows} rejected rows`;
}
