/** OUT/index.html: one page linking every invoice, report and email, readable without a server. */
import type { InvoiceJson } from '../app/invoice-json.js';
import { escapeHtml } from '../render/escape.js';

export interface IndexPageInput {
  readonly mspName: string;
  readonly asOf: string;
  readonly periods: readonly string[];
  readonly invoices: readonly InvoiceJson[];
  readonly emails: readonly { file: string; date: string; kind: string; subject: string; to: readonly string[] }[];
  readonly inboxUrl?: string;
}

const STYLE = `body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:2rem;color:#111;max-width:1100px}
table{border-collapse:collapse;width:100%;font-size:14px;margin-bottom:1.5rem}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e5e7eb}
th{background:#f3f4f6}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.paid{color:#15803d}.open{color:#b45309}.partially_paid{color:#1d4ed8}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}a{color:#1d4ed8}`;

export function renderIndexPage(input: IndexPageInput): string {
  const e = escapeHtml;
  const link = (href: string, text: string): string => `<a href="${e(href)}">${e(text)}</a>`;
  const periodRows = input.periods.map((p) => `<tr><td>${e(p)}</td><td>${link(`reconciliation/${p}.json`, 'JSON')}</td><td>${link(`reports/reconciliation-${p}.html`, 'report')}</td><td>${link(`reports/discrepancies-${p}.csv`, 'discrepancies CSV')}</td></tr>`).join('\n');
  const invoiceRows = input.invoices.map((i) => `<tr><td>${link(`invoices/${i.number}.pdf`, i.number)}</td><td>${e(i.clientId)}</td><td>${e(i.period)}</td><td>${e(i.issueDate)}</td><td>${e(i.dueDate)}</td><td class="n">${e(i.total)} ${e(i.currency)}</td><td class="n">${e(i.balance)}</td><td class="${e(i.status)}">${e(i.status.replace(/_/g, ' '))}</td><td>${link(`invoices/${i.number}.html`, 'HTML')} · ${link(`invoices/${i.number}.json`, 'JSON')}</td></tr>`).join('\n');
  const emailRows = input.emails.map((m) => `<tr><td>${e(m.date)}</td><td>${e(m.kind)}</td><td>${e(m.to.join(', '))}</td><td>${link(`emails/${m.file}`, m.subject)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TrueUp — ${e(input.mspName)}</title><style>${STYLE}</style></head>
<body>
<h1>TrueUp — ${e(input.mspName)}</h1>
<p>Simulated through ${e(input.asOf)}. ${input.invoices.length} invoices, ${input.emails.length} emails, ${input.periods.length} billing runs.
${link(`reports/aging-${input.asOf}.csv`, `AR aging as of ${input.asOf} (CSV)`)} · ${link(`reports/aging-${input.asOf}.html`, 'HTML')} · ${link('notifications.json', 'notifications.json')}
· ${link(`reports/unapplied-payments-${input.asOf}.csv`, 'unapplied payments (CSV)')}
${input.inboxUrl ? ` · ${link(input.inboxUrl, 'local SES inbox')}` : ''}</p>
<h2>Reconciliation</h2>
<table><tr><th>Period</th><th>Data</th><th>Report</th><th>Discrepancies</th></tr>
${periodRows}</table>
<h2>Invoices</h2>
<table><tr><th>Number</th><th>Client</th><th>Period</th><th>Issued</th><th>Due</th><th class="n">Total</th><th class="n">Balance</th><th>Status</th><th></th></tr>
${invoiceRows}</table>
<h2>Emails sent</h2>
<table><tr><th>Date</th><th>Kind</th><th>To</th><th>Subject</th></tr>
${emailRows}</table>
</body></html>
`;
}
