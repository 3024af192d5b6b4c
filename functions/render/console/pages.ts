/**
 * The console's pages as server-side HTML (docs/console.md): each function takes what its page
 * shows and returns the page's body; the router wraps it in the shell (layout.ts). Forms that
 * act carry the CSRF token and are shown to admins only; a viewer sees the same data.
 */
import {
  fileState,
  traceable,
  type AuditEntryView as AuditEntry,
  type DiscrepancyView as StoredDiscrepancy,
  type DraftView as StoredDraft,
  type InvoiceView as LedgerInvoice,
  type PeriodOverview,
  type SourceRow,
  type UsageFileRow,
} from './views.js';
import type { DraftLine } from '../review-emails.js';
import type { AgingReport } from '../../domain/compute-aging.js';
import { AGING_BUCKETS } from '../../domain/compute-aging.js';
import type { CreditNote, InvoiceLine, Payment, ReferenceData } from '../../domain/billing-types.js';
import { Dec, formatMoney, formatQuantity } from '../../domain/money.js';
import { invoiceBalance } from '../../domain/invoice-balance.js';
import type { IsoDate } from '../../domain/dates.js';
import { badge, csrfField, h, input, link, select, table, withQuery, type Html } from './layout.js';

/** Whether the viewer may act, and the token its forms carry. */
export interface Acting {
  readonly admin: boolean;
  readonly csrf: string;
}

const money = (value: Dec | null, currency: string): Html =>
  value === null ? '' : `${h(formatMoney(value, currency))} ${h(currency)}`;

/** A discrepancy rate (a ratio as decimal text) as a percent with one decimal, in exact decimals. */
const percent = (rate: string): string => `${new Dec(rate).times(100).toFixed(1)}%`;

const readOnlyNote = (acting: Acting): Html =>
  acting.admin ? '' : '<p class="muted">You have read-only access: the actions are not shown.</p>';

// ---- period at a glance ------------------------------------------------------------------------

export function overviewPage(o: PeriodOverview): Html {
  const latest = o.latest;
  const maxRate = Dec.max(new Dec('0.0001'), ...o.reconciliations.map((r) => new Dec(r.discrepancyRate))).toString();
  const cards = `<div class="cards">
<div class="card"><span class="muted">Latest period</span><span class="value">${h(latest?.period ?? '—')}</span></div>
<div class="card"><span class="muted">Pairs reconciled</span><span class="value">${h(latest?.pairs ?? 0)}</span></div>
<div class="card"><span class="muted">Discrepancy rate</span><span class="value">${h(latest ? percent(latest.discrepancyRate) : '—')}</span></div>
<div class="card"><span class="muted">Open discrepancies</span><span class="value">${link('/discrepancies?status=open', String(o.openDiscrepancies))}</span></div>
<div class="card"><span class="muted">Drafts awaiting review</span><span class="value">${link('/drafts', String(o.draftsAwaiting.length))}</span></div>
</div>`;
  const trend = table(
    'Discrepancy rate by period (newest first)',
    [
      { label: 'Period', cell: (r) => h(r.period) },
      { label: 'Run', cell: (r) => h(r.runDate) },
      { label: 'Pairs', cell: (r) => h(r.pairs), num: true },
      { label: 'Discrepancies', cell: (r) => h(r.discrepancies), num: true },
      { label: 'Held', cell: (r) => h(r.held ?? 0), num: true },
      { label: 'Rate', cell: (r) => h(percent(r.discrepancyRate)), num: true },
      {
        label: 'Trend',
        // A meter, not a styled bar: the CSP allows no inline style.
        cell: (r) =>
          `<meter min="0" max="${h(maxRate)}" value="${h(new Dec(r.discrepancyRate).toString())}" aria-label="${h(`${r.period}: ${percent(r.discrepancyRate)}`)}"></meter>`,
      },
    ],
    o.reconciliations,
    'no reconciliation yet',
  );
  const held = table(
    `Pairs held for a missing feed${latest ? ` in ${latest.period}` : ''}`,
    [
      { label: 'Vendor', cell: (p) => h(p.vendor) },
      { label: 'Client', cell: (p) => link(withQuery('/invoices', { q: p.clientId }), p.clientId) },
      { label: 'SKU', cell: (p) => h(p.sku) },
    ],
    o.held,
  );
  const missing = table(
    'Missing feeds (open)',
    [
      { label: 'Vendor', cell: (m) => h(m.vendor) },
      { label: 'Period', cell: (m) => h(m.period) },
      { label: 'Detail', cell: (m) => h(m.detail) },
    ],
    o.missingFeeds,
  );
  const drafts = table(
    'Drafts awaiting review',
    [
      { label: 'Period', cell: (d) => link(withQuery('/drafts', { period: d.period }), d.period) },
      { label: 'Client', cell: (d) => h(d.clientId) },
      { label: 'State', cell: (d) => badge(d.status) },
    ],
    o.draftsAwaiting,
  );
  return `${cards}<h2>Trend</h2>${trend}<h2>Feeds</h2>${missing}${held}<h2>Review</h2>${drafts}`;
}

// ---- discrepancies -----------------------------------------------------------------------------

export interface DiscrepancyFilter {
  readonly status?: string;
  readonly client?: string;
  readonly vendor?: string;
  readonly group?: string;
}

const STATUSES = ['open', 'acknowledged', 'resolved', 'dismissed', 'billed', 'credited'] as const;

export function discrepanciesPage(
  all: readonly StoredDiscrepancy[],
  filter: DiscrepancyFilter,
  acting: Acting,
  back: string,
): Html {
  const shown = all.filter(
    (d) =>
      (!filter.status || d.status === filter.status) &&
      (!filter.client || d.clientId === filter.client) &&
      (!filter.vendor || d.vendor === filter.vendor),
  );
  const clients = [...new Set(all.map((d) => d.clientId).filter((c): c is string => !!c))].sort();
  const vendors = [...new Set(all.map((d) => d.vendor).filter((v): v is string => !!v))].sort();
  const filters = `<form class="filters" method="get" action="/discrepancies" aria-label="Filter discrepancies">
${select('status', 'Status', [['', 'any'], ...STATUSES.map((s): [string, string] => [s, s])], filter.status)}
${select('client', 'Client', [['', 'any'], ...clients.map((c): [string, string] => [c, c])], filter.client)}
${select('vendor', 'Vendor', [['', 'any'], ...vendors.map((v): [string, string] => [v, v])], filter.vendor)}
${select(
  'group',
  'Group by',
  [
    ['', 'none'],
    ['client', 'client'],
    ['vendor', 'vendor'],
  ],
  filter.group,
)}
<button type="submit">Show</button></form>`;
  const groupOf = (d: StoredDiscrepancy): string =>
    filter.group === 'client'
      ? (d.clientId ?? '(no client)')
      : filter.group === 'vendor'
        ? (d.vendor ?? '(no vendor)')
        : '';
  const groups = new Map<string, StoredDiscrepancy[]>();
  for (const d of shown) groups.set(groupOf(d), [...(groups.get(groupOf(d)) ?? []), d]);
  const tables = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, rows]) =>
      table(
        group
          ? `${filter.group === 'client' ? 'Client' : 'Vendor'} ${group} (${rows.length})`
          : `Discrepancies (${rows.length})`,
        [
          ...(acting.admin
            ? [
                {
                  label: 'Select',
                  cell: (d: StoredDiscrepancy) =>
                    `<input type="checkbox" name="id" value="${h(d.id)}" aria-label="Select ${h(d.id)}">`,
                },
              ]
            : []),
          { label: 'Id', cell: (d) => `<span class="mono">${h(d.id)}</span>` },
          { label: 'Period', cell: (d) => h(d.period) },
          { label: 'Type', cell: (d) => h(d.type) },
          { label: 'Client / vendor', cell: (d) => h(d.clientId ?? d.vendor ?? '') },
          { label: 'SKU / account', cell: (d) => h(d.sku ?? d.accountId ?? d.vendorSku ?? '') },
          { label: 'At stake', cell: (d) => money(d.amountAtStake, d.currency), num: true },
          { label: 'Status', cell: (d) => badge(d.status) },
          {
            label: 'Note / invoice',
            cell: (d) =>
              d.invoiceNumber
                ? `${link(`/invoices/${encodeURIComponent(d.invoiceNumber)}`, d.invoiceNumber)} line ${h(d.invoiceLine ?? '?')}`
                : h(d.note ?? d.detail ?? ''),
          },
          { label: 'By', cell: (d) => h(d.by ? `${d.by}${d.closedOn ? ` ${d.closedOn}` : ''}` : '') },
        ],
        rows,
      ),
    )
    .join('\n');
  const body = tables || '<p class="muted">No discrepancy matches.</p>';
  if (!acting.admin) return `${filters}${readOnlyNote(acting)}${body}`;
  return `${filters}<form method="post" action="/discrepancies/action">${csrfField(acting.csrf)}<input type="hidden" name="back" value="${h(back)}">
<p><label><input type="checkbox" data-select-all="id"> Select all shown</label></p>
${body}
<fieldset class="action"><legend>Follow up the selected discrepancies</legend>
${select('action', 'Action', [
  ['ack', 'Acknowledge'],
  ['resolve', 'Resolve'],
  ['dismiss', 'Dismiss'],
  ['bill', 'Bill on next invoice'],
  ['credit', 'Credit on next invoice'],
])}
<label for="f-note">Note<textarea id="f-note" name="note" rows="2" cols="40"></textarea></label>
<button type="submit">Apply</button></fieldset></form>`;
}

// ---- drafts ------------------------------------------------------------------------------------

export function draftsPage(
  periods: readonly string[],
  period: string | undefined,
  drafts: readonly StoredDraft[],
  lines: readonly DraftLine[],
  acting: Acting,
): Html {
  const choose = `<form class="filters" method="get" action="/drafts" aria-label="Choose a period">${select(
    'period',
    'Period',
    periods.map((p): [string, string] => [p, p]),
    period,
  )}<button type="submit">Show</button></form>`;
  if (!period)
    return `${choose}<p class="muted">No drafts: invoices are not held for review (invoice.review), or none were planned yet.</p>`;
  const rows = drafts.map((d, i) => ({ d, l: lines[i]! }));
  const list = table(
    `Drafts of ${period}`,
    [
      ...(acting.admin
        ? [
            {
              label: 'Select',
              cell: (r: (typeof rows)[number]) =>
                r.d.status === 'approved'
                  ? ''
                  : `<input type="checkbox" name="client" value="${h(r.d.clientId)}" aria-label="Select the draft of ${h(r.l.clientName)}">`,
            },
          ]
        : []),
      { label: 'Client', cell: (r) => `${h(r.l.clientName)} <span class="muted">${h(r.d.clientId)}</span>` },
      { label: 'Total', cell: (r) => money(r.l.total, r.l.currency), num: true },
      { label: 'Created', cell: (r) => h(r.d.createdOn) },
      {
        label: 'State',
        cell: (r) =>
          `${badge(r.d.status)}${r.d.holdReason ? ` ${h(r.d.holdReason)}` : ''}${r.d.by ? ` <span class="muted">by ${h(r.d.by)}</span>` : ''}`,
      },
      {
        label: 'Invoice',
        cell: (r) => (r.d.number ? link(`/invoices/${encodeURIComponent(r.d.number)}`, r.d.number) : ''),
      },
    ],
    rows,
  );
  if (!acting.admin) return `${choose}${readOnlyNote(acting)}${list}`;
  const waiting = drafts.some((d) => d.status !== 'approved');
  return `${choose}<form method="post" action="/drafts/approve">${csrfField(acting.csrf)}<input type="hidden" name="period" value="${h(period)}">
${waiting ? '<p><label><input type="checkbox" data-select-all="client"> Select all</label></p>' : ''}
${list}
${waiting ? `<p class="action"><button type="submit">Approve selected</button> <button type="submit" class="secondary" name="all" value="1">Approve all awaiting review (held ones stay held)</button></p>` : ''}
</form>`;
}

// ---- invoices ----------------------------------------------------------------------------------

export function invoicesPage(
  list: readonly LedgerInvoice[],
  q: string | undefined,
  names: ReadonlyMap<string, string>,
  asOf: IsoDate,
): Html {
  const search = `<form class="filters" method="get" action="/invoices" role="search" aria-label="Search invoices">${input('q', 'Number, client id or name', q, 'search')}<button type="submit">Search</button></form>`;
  return `${search}${table(
    `Invoices${q ? ` matching “${q}”` : ''} (${list.length})`,
    [
      { label: 'Number', cell: (i) => link(`/invoices/${encodeURIComponent(i.invoice.number)}`, i.invoice.number) },
      { label: 'Client', cell: (i) => h(names.get(i.invoice.clientId) ?? i.invoice.clientId) },
      { label: 'Period', cell: (i) => h(i.invoice.period) },
      { label: 'Issued', cell: (i) => h(i.invoice.issueDate) },
      { label: 'Due', cell: (i) => h(i.invoice.dueDate) },
      { label: 'Total', cell: (i) => money(i.invoice.total, i.invoice.currency), num: true },
      { label: 'Balance', cell: (i) => money(invoiceBalance(i, asOf).balance, i.invoice.currency), num: true },
      { label: 'Status', cell: (i) => badge(invoiceBalance(i, asOf).status) },
    ],
    list,
  )}`;
}

export function invoicePage(
  account: LedgerInvoice,
  clientName: string,
  asOf: IsoDate,
  notes: readonly CreditNote[],
): Html {
  const inv = account.invoice;
  const { balance, status } = invoiceBalance(account, asOf);
  const facts = `<dl class="settings">
<dt>Client</dt><dd>${h(clientName)} <span class="muted">${h(inv.clientId)}</span></dd>
<dt>Period</dt><dd>${h(inv.period)}</dd><dt>Issued</dt><dd>${h(inv.issueDate)}</dd><dt>Due</dt><dd>${h(inv.dueDate)}</dd>
<dt>Total</dt><dd>${money(inv.total, inv.currency)}</dd><dt>Balance</dt><dd>${money(balance, inv.currency)} ${badge(status)}</dd>
${account.disputedOn ? `<dt>Disputed</dt><dd>${h(account.disputedOn)}${account.disputeReason ? `: ${h(account.disputeReason)}` : ''}</dd>` : ''}
</dl>`;
  const lines = table(
    'Lines',
    [
      { label: '#', cell: (r: { l: InvoiceLine; n: number }) => h(r.n), num: true },
      { label: 'Kind', cell: (r) => h(r.l.kind) },
      {
        label: 'Description',
        cell: (r) =>
          traceable(r.l)
            ? `${link(`/invoices/${encodeURIComponent(inv.number)}/lines/${r.n}`, r.l.description)} <span class="muted">(vendor rows)</span>`
            : h(r.l.description),
      },
      { label: 'SKU', cell: (r) => h(r.l.sku) },
      { label: 'Period', cell: (r) => h(r.l.period) },
      { label: 'Quantity', cell: (r) => h(formatQuantity(r.l.quantity)), num: true },
      { label: 'Unit price', cell: (r) => h(formatQuantity(r.l.unitPrice)), num: true },
      { label: 'Amount', cell: (r) => money(r.l.amount, inv.currency), num: true },
    ],
    inv.lines.map((l, i) => ({ l, n: i + 1 })),
  );
  const payments = table(
    'Payments and credits applied',
    [
      { label: 'Id', cell: (p: LedgerInvoice['payments'][number]) => `<span class="mono">${h(p.paymentId)}</span>` },
      { label: 'Received', cell: (p) => h(p.receivedOn) },
      { label: 'Amount', cell: (p) => money(p.amount, inv.currency), num: true },
    ],
    account.payments,
  );
  const credit = table(
    'Credit notes',
    [
      { label: 'Number', cell: (n: CreditNote) => h(n.number) },
      { label: 'Issued', cell: (n) => h(n.issueDate) },
      { label: 'Reason', cell: (n) => h(n.reason) },
      { label: 'Total', cell: (n) => money(n.total, n.currency), num: true },
    ],
    notes,
  );
  return `${facts}<h2>Lines</h2>${lines}<h2>Settlement</h2>${payments}${credit}<p>${link('/invoices', 'All invoices')}</p>`;
}

export function sourceRowsPage(
  account: LedgerInvoice,
  n: number,
  line: InvoiceLine,
  found: { rows: readonly SourceRow[]; total: number },
): Html {
  const inv = account.invoice;
  const back = link(`/invoices/${encodeURIComponent(inv.number)}`, `Back to ${inv.number}`);
  const head = `<p>Line ${h(n)} of ${back}: <strong>${h(line.description)}</strong>, ${h(line.kind)}, ${h(line.sku)} ${h(line.period)}, quantity ${h(formatQuantity(line.quantity))}.</p>`;
  if (!traceable(line)) return `${head}<p>This line does not come from vendor usage.</p>`;
  const files = new Map<string, { name: string; rows: number }>();
  for (const r of found.rows) {
    const f = files.get(r.sha256) ?? { name: r.record.source.file, rows: 0 };
    f.rows += 1;
    files.set(r.sha256, f);
  }
  const fileTable = table(
    'Files',
    [
      { label: 'File', cell: (f: [string, { name: string; rows: number }]) => h(f[1].name) },
      { label: 'sha256', cell: (f) => `<span class="mono">${h(f[0])}</span>` },
      { label: 'Rows', cell: (f) => h(f[1].rows), num: true },
    ],
    [...files.entries()],
  );
  const rows = table(
    `Vendor rows (${found.total}${found.total > found.rows.length ? `, first ${found.rows.length} shown` : ''})`,
    [
      { label: 'File', cell: (r: SourceRow) => h(r.record.source.file) },
      { label: 'Line', cell: (r) => h(r.record.source.line), num: true },
      { label: 'sha256', cell: (r) => `<span class="mono">${h(r.sha256.slice(0, 12))}…</span>` },
      { label: 'Vendor', cell: (r) => h(r.record.vendor) },
      { label: 'Account', cell: (r) => h(r.record.accountId) },
      { label: 'Vendor SKU', cell: (r) => h(r.record.vendorSku) },
      { label: 'Usage date', cell: (r) => h(r.record.usageDate) },
      { label: 'Vendor quantity', cell: (r) => h(formatQuantity(r.record.quantity)), num: true },
      { label: 'Quantity', cell: (r) => h(formatQuantity(r.quantity)), num: true },
    ],
    found.rows,
    'no vendor rows of this client and SKU in the period',
  );
  return `${head}<h2>Source files</h2>${fileTable}<h2>Rows</h2>${rows}`;
}

export function creditNotesPage(notes: readonly CreditNote[]): Html {
  return table(
    `Credit notes (${notes.length})`,
    [
      { label: 'Number', cell: (n) => h(n.number) },
      { label: 'Invoice', cell: (n) => link(`/invoices/${encodeURIComponent(n.invoiceNumber)}`, n.invoiceNumber) },
      { label: 'Client', cell: (n) => h(n.clientId) },
      { label: 'Issued', cell: (n) => h(n.issueDate) },
      { label: 'Reason', cell: (n) => h(n.reason) },
      { label: 'Total', cell: (n) => money(n.total, n.currency), num: true },
      { label: 'Applied', cell: (n) => money(n.applied, n.currency), num: true },
      { label: 'Client credit', cell: (n) => money(n.clientCredit, n.currency), num: true },
      { label: 'Void', cell: (n) => h(n.void ? 'voids the invoice' : '') },
    ],
    notes,
  );
}

// ---- payments ----------------------------------------------------------------------------------

export function paymentsPage(
  recorded: readonly Payment[],
  pending: readonly Payment[],
  unapplied: readonly StoredDiscrepancy[],
): Html {
  const columns = [
    { label: 'Payment', cell: (p: Payment) => `<span class="mono">${h(p.paymentId)}</span>` },
    {
      label: 'Invoice',
      cell: (p: Payment) => link(`/invoices/${encodeURIComponent(p.invoiceNumber)}`, p.invoiceNumber),
    },
    { label: 'Received', cell: (p: Payment) => h(p.receivedOn) },
    { label: 'Method', cell: (p: Payment) => h([p.method, p.methodDetail].filter(Boolean).join(' ')) },
    { label: 'Amount', cell: (p: Payment) => money(p.amount, p.currency), num: true },
  ];
  const queue = table(
    `Unapplied payments queue (${unapplied.length})`,
    [
      { label: 'Id', cell: (d) => `<span class="mono">${h(d.id)}</span>` },
      { label: 'Period', cell: (d) => h(d.period) },
      { label: 'Client', cell: (d) => h(d.clientId) },
      { label: 'Amount', cell: (d) => money(d.amountAtStake, d.currency), num: true },
      { label: 'Detail', cell: (d) => h(d.detail) },
      { label: 'Status', cell: (d) => badge(d.status) },
    ],
    unapplied,
  );
  return `<h2>Unapplied</h2>${queue}<p>${link('/discrepancies?status=open', 'Follow them up in the discrepancy queue')}</p><h2>Received</h2>${table(`Recorded payments (${recorded.length})`, columns, recorded)}${table(`Pending (not yet applied) (${pending.length})`, columns, pending)}`;
}

// ---- aging -------------------------------------------------------------------------------------

export function agingPage(report: AgingReport, open: readonly LedgerInvoice[], asOf: IsoDate): Html {
  const form = `<form class="filters" method="get" action="/aging" aria-label="Aging date">${input('as_of', 'As of', asOf, 'date')}<button type="submit">Show</button></form>`;
  const rows = table(
    `Aging as of ${asOf}`,
    [
      {
        label: 'Client',
        cell: (r: AgingReport['rows'][number]) =>
          link(withQuery('/invoices', { q: r.clientId }), `${r.clientName} (${r.clientId})`),
      },
      ...AGING_BUCKETS.map((b) => ({
        label: b,
        cell: (r: AgingReport['rows'][number]) => money(r.buckets[b], r.currency),
        num: true,
      })),
      { label: 'Total', cell: (r) => money(r.total, r.currency), num: true },
    ],
    report.rows,
    'nothing outstanding',
  );
  const totals = table(
    'Totals per currency',
    [
      { label: 'Currency', cell: (t: AgingReport['totals'][number]) => h(t.currency) },
      ...AGING_BUCKETS.map((b) => ({
        label: b,
        cell: (t: AgingReport['totals'][number]) => money(t.buckets[b], t.currency),
        num: true,
      })),
      { label: 'Total', cell: (t) => money(t.total, t.currency), num: true },
    ],
    report.totals,
  );
  const invoices = table(
    'Open invoices',
    [
      {
        label: 'Invoice',
        cell: (i: LedgerInvoice) => link(`/invoices/${encodeURIComponent(i.invoice.number)}`, i.invoice.number),
      },
      { label: 'Client', cell: (i) => h(i.invoice.clientId) },
      { label: 'Due', cell: (i) => h(i.invoice.dueDate) },
      { label: 'Balance', cell: (i) => money(invoiceBalance(i, asOf).balance, i.invoice.currency), num: true },
    ],
    open,
  );
  return `${form}${rows}${totals}<h2>Drill down</h2>${invoices}`;
}

// ---- usage files -------------------------------------------------------------------------------

export function usagePage(files: readonly UsageFileRow[], acting: Acting): Html {
  const upload = acting.admin
    ? `<form class="action" method="post" action="/usage/upload" enctype="multipart/form-data" aria-label="Upload a usage file">${csrfField(acting.csrf)}
<label for="f-file">Usage file (any format TrueUp reads)<input id="f-file" type="file" name="file" required></label>
<button type="submit">Upload and ingest</button></form>`
    : readOnlyNote(acting);
  return `${upload}${table(
    `Usage files (${files.length})`,
    [
      { label: 'File', cell: (f) => h(f.name) },
      { label: 'State', cell: (f) => badge(fileState(f)) },
      { label: 'Format', cell: (f) => h(f.format) },
      { label: 'Read', cell: (f) => h(f.rowsRead), num: true },
      { label: 'Accepted', cell: (f) => h(f.rowsAccepted), num: true },
      {
        label: 'Rejected',
        cell: (f) =>
          f.rowsRejected > 0 && f.sha256
            ? link(withQuery('/usage/rejected', { sha256: f.sha256, name: f.name }), String(f.rowsRejected))
            : h(f.rowsRejected),
        num: true,
      },
      { label: 'Duplicate rows', cell: (f) => h(f.rowsDuplicate), num: true },
      { label: 'Why', cell: (f) => h(f.fileError ?? (f.duplicateOf ? `same content as ${f.duplicateOf}` : '')) },
      { label: 'Ingested', cell: (f) => h(f.ingestedOn) },
      { label: 'Report', cell: (f) => h(f.listedIn ?? 'next report') },
      { label: 'sha256', cell: (f) => `<span class="mono">${h(f.sha256)}</span>` },
    ],
    files,
  )}`;
}

export function rejectedPage(name: string, csv: string | undefined): Html {
  const lines = (csv ?? '').split(/\r?\n/).filter(Boolean);
  const [header, ...rest] = lines;
  const cols = (header ?? '').split(',');
  const cells = (line: string): string[] =>
    line
      .match(/("([^"]|"")*"|[^,]*)(,|$)/g)
      ?.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')) ?? [line];
  const rows = rest.slice(0, 500).map(cells);
  return `<p>Rejected rows of ${h(name)}${rest.length > 500 ? ` (first 500 of ${rest.length})` : ''}.</p>${table(
    'Rejected rows',
    cols.map((label, i) => ({ label, cell: (r: string[]) => h(r[i]) })),
    rows,
    'none stored',
  )}<p>${link('/usage', 'All usage files')}</p>`;
}

// ---- settings, audit ---------------------------------------------------------------------------

/** Every setting as a dotted path and its value (money and rates as written), in trueup.json order. */
function flatten(value: unknown, path: string, out: [string, string][]): void {
  if (value === undefined) return;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('d' in value && 'e' in value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
    return;
  }
  if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
    return;
  }
  out.push([path, Array.isArray(value) ? value.map(String).join(', ') : String(value)]);
}

export function settingsPage(reference: ReferenceData | undefined): Html {
  if (!reference) return '<p>No data imported yet (trueup import --data DIR).</p>';
  const rows: [string, string][] = [];
  flatten(reference.settings, '', rows);
  const counts = `<p>${h(reference.clients.length)} clients, ${h(reference.accounts.length)} accounts, ${h(reference.products.length)} products, ${h(reference.skuMap.length)} SKU mappings, ${h(reference.agreements.length)} agreement lines.</p>`;
  return `${counts}<p class="muted">Read-only: change trueup.json in the data folder and import it again.</p><dl class="settings">${rows
    .map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`)
    .join('\n')}</dl>`;
}

export function auditPage(entries: readonly AuditEntry[], query: { from?: string; to?: string; limit: number }): Html {
  const form = `<form class="filters" method="get" action="/audit" aria-label="Filter the audit log">${input('from', 'From', query.from, 'date')}${input('to', 'To', query.to, 'date')}${input('limit', 'At most', String(query.limit), 'number')}<button type="submit">Show</button></form>`;
  return `${form}${table(
    `Audit log, newest first (${entries.length})`,
    [
      {
        label: 'At',
        cell: (e) => `<time datetime="${h(e.at)}">${h(e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>`,
      },
      { label: 'Who', cell: (e) => h(e.actor.id) },
      { label: 'Via', cell: (e) => h(e.actor.via) },
      { label: 'Action', cell: (e) => h(e.action) },
      { label: 'Subject', cell: (e) => h(e.subject) },
      { label: 'Detail', cell: (e) => h(e.detail) },
    ],
    entries,
    'no entries',
  )}`;
}
