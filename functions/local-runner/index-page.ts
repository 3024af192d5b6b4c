/**
 * OUT/index.html: one page linking every invoice, report and email, readable without a server
 * and on a phone (the page never scrolls sideways; a wide table scrolls inside its own box).
 * Invoices show their status as of --to, with "overdue" for an unpaid one past its due date,
 * and the totals billed, collected and outstanding per currency.
 */
import type { InvoiceJson } from '../app/invoice-json.js';
import { Dec, formatMoney } from '../domain/money.js';
import { escapeHtml } from '../render/escape.js';

export interface IndexPageInput {
  readonly mspName: string;
  readonly asOf: string;
  readonly periods: readonly string[];
  readonly invoices: readonly InvoiceJson[];
  readonly emails: readonly { file: string; date: string; kind: string; subject: string; to: readonly string[] }[];
  readonly inboxUrl?: string;
  /** client id → name; an invoice of a client not listed shows its id. */
  readonly clientNames?: ReadonlyMap<string, string>;
}

const STYLE = `*{box-sizing:border-box}body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:2rem;color:#111;max-width:1100px}
p{overflow-wrap:anywhere}.scroll{overflow-x:auto;margin-bottom:1.5rem;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f3f4f6}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.paid{color:#15803d}.open{color:#b45309}.partially_paid{color:#1d4ed8}
.overdue{color:#b91c1c;font-weight:bold}.nw{white-space:nowrap}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}a{color:#1d4ed8}
@media (max-width:640px){body{margin:1rem}table{font-size:13px}th,td{padding:4px 6px}}`;

/**
 * The status shown for an invoice as of `asOf`: the status of docs/contract.md §6, or `overdue` when money is
 * still owed after the due date (the JSON keeps that status).
 */
export function shownStatus(
  invoice: Pick<InvoiceJson, 'status' | 'dueDate' | 'balance'>,
  asOf: string,
): { key: string; label: string } {
  const late = invoice.status !== 'paid' && invoice.dueDate < asOf && new Dec(invoice.balance).greaterThan(0);
  if (late)
    return { key: 'overdue', label: invoice.status === 'partially_paid' ? 'overdue (partially paid)' : 'overdue' };
  return { key: invoice.status, label: invoice.status.replace(/_/g, ' ') };
}

interface CurrencyTotals {
  billed: Dec;
  collected: Dec;
  outstanding: Dec;
  overdue: Dec;
}

/** Per currency: billed (invoice totals), collected (payments applied), outstanding and overdue (open balances). */
export function totalsByCurrency(invoices: readonly InvoiceJson[], asOf: string): Map<string, CurrencyTotals> {
  const totals = new Map<string, CurrencyTotals>();
  for (const invoice of invoices) {
    const zero = new Dec(0);
    const sum = totals.get(invoice.currency) ?? { billed: zero, collected: zero, outstanding: zero, overdue: zero };
    const total = new Dec(invoice.total);
    const balance = new Dec(invoice.balance);
    const open = balance.greaterThan(0) ? balance : zero;
    totals.set(invoice.currency, {
      billed: sum.billed.plus(total),
      collected: sum.collected.plus(total.minus(balance)),
      outstanding: sum.outstanding.plus(open),
      overdue: sum.overdue.plus(shownStatus(invoice, asOf).key === 'overdue' ? open : zero),
    });
  }
  return new Map([...totals].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function renderIndexPage(input: IndexPageInput): string {
  const e = escapeHtml;
  const link = (href: string, text: string): string => `<a href="${e(href)}">${e(text)}</a>`;
  const table = (head: string, rows: string): string => `<div class="scroll"><table>${head}\n${rows}</table></div>`;
  const periodRows = input.periods
    .map(
      (p) =>
        `<tr><td>${e(p)}</td><td>${link(`reconciliation/${p}.json`, 'JSON')}</td><td>${link(`reports/reconciliation-${p}.html`, 'report')}</td><td>${link(`reports/discrepancies-${p}.csv`, 'discrepancies CSV')}</td></tr>`,
    )
    .join('\n');
  const client = (id: string): string => {
    const name = input.clientNames?.get(id);
    return name ? `<td title="${e(id)}">${e(name)}</td>` : `<td>${e(id)}</td>`;
  };
  const invoiceRows = input.invoices
    .map((i) => {
      const status = shownStatus(i, input.asOf);
      return `<tr><td class="nw">${link(`invoices/${i.number}.pdf`, i.number)}</td>${client(i.clientId)}<td class="nw">${e(i.period)}</td><td class="nw">${e(i.issueDate)}</td><td class="nw">${e(i.dueDate)}</td><td class="n">${e(i.total)} ${e(i.currency)}</td><td class="n">${e(i.balance)}</td><td class="status ${e(status.key)}">${e(status.label)}</td><td>${link(`invoices/${i.number}.html`, 'HTML')} · ${link(`invoices/${i.number}.json`, 'JSON')}</td></tr>`;
    })
    .join('\n');
  const totalRows = [...totalsByCurrency(input.invoices, input.asOf)]
    .map(
      ([currency, t]) =>
        `<tr><td>${e(currency)}</td>${[t.billed, t.collected, t.outstanding, t.overdue].map((v) => `<td class="n">${e(formatMoney(v, currency))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const emailRows = input.emails
    .map(
      (m) =>
        `<tr><td class="nw">${e(m.date)}</td><td>${e(m.kind)}</td><td>${e(m.to.join(', '))}</td><td>${link(`emails/${m.file}`, m.subject)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>TrueUp — ${e(input.mspName)}</title><style>${STYLE}</style></head>
<body>
<h1>TrueUp — ${e(input.mspName)}</h1>
<p>Simulated through ${e(input.asOf)}. ${input.invoices.length} invoices, ${input.emails.length} emails, ${input.periods.length} billing runs.
${link(`reports/aging-${input.asOf}.csv`, `AR aging as of ${input.asOf} (CSV)`)} · ${link(`reports/aging-${input.asOf}.html`, 'HTML')} · ${link('notifications.json', 'notifications.json')}
· ${link(`reports/unapplied-payments-${input.asOf}.csv`, 'unapplied payments (CSV)')}
${input.inboxUrl ? ` · ${link(input.inboxUrl, 'local SES inbox')}` : ''}</p>
<h2>Totals as of ${e(input.asOf)}</h2>
${table('<tr><th>Currency</th><th class="n">Billed</th><th class="n">Collected</th><th class="n">Outstanding</th><th class="n">of which overdue</th></tr>', totalRows)}
<h2>Reconciliation</h2>
${table('<tr><th>Period</th><th>Data</th><th>Report</th><th>Discrepancies</th></tr>', periodRows)}
<h2>Invoices</h2>
${table('<tr><th>Number</th><th>Client</th><th>Period</th><th>Issued</th><th>Due</th><th class="n">Total</th><th class="n">Balance</th><th>Status</th><th></th></tr>', invoiceRows)}
<h2>Emails sent</h2>
${table('<tr><th>Date</th><th>Kind</th><th>To</th><th>Subject</th></tr>', emailRows)}
</body></html>
`;
}
