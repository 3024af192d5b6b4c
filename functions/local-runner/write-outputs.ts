/** Writes the files of docs/contract.md §9 (and a browsable index.html) from the stores. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Deps } from '../app/deps.js';
import { invoiceJson, type InvoiceJson } from '../app/invoice-json.js';
import {
  AGING_REPORTS_PREFIX,
  ARTIFACT_PREFIXES,
  agingReportKey,
  creditNoteKey,
  discrepanciesCsvKey,
  draftKey,
  invoiceKey,
  readReconciliation,
  reconciliationReportKey,
} from '../app/bucket-layout.js';
import type { ReconciliationJson } from '../app/reconciliation-json.js';
import type { IsoDate } from '../domain/dates.js';
import type { Payment } from '../domain/billing-types.js';
import { escapeHtml } from '../render/escape.js';
import { renderIndexPage, shownStatus } from './index-page.js';
import { unappliedPaymentsCsv } from './unapplied-payments.js';

export interface OutputSummary {
  readonly periods: string[];
  readonly invoices: number;
  readonly emails: number;
  readonly notificationsByKind: Record<string, number>;
  readonly out: string;
}

/** `payments` are the data folder's, to itemise the ones left (partly) unapplied. */
export async function writeOutputs(
  deps: Deps,
  out: string,
  asOf: IsoDate,
  mspName: string,
  inboxUrl?: string,
  payments: readonly Payment[] = [],
): Promise<OutputSummary> {
  for (const dir of ['reconciliation', 'invoices', 'reports', 'emails'])
    await mkdir(join(out, dir), { recursive: true });
  const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

  const periods: string[] = [];
  for (const key of await deps.artifacts.list(ARTIFACT_PREFIXES.reconciliation)) {
    const json = await readReconciliation(deps.artifacts, key);
    if (!json) continue; // deleted since the listing
    periods.push(json.period);
    await writeFile(
      join(out, 'reconciliation', `${json.period}.json`),
      JSON.stringify(specReconciliation(json), null, 1) + '\n',
    );
    // The reports keep their artifact key as their path under OUT (reports/…).
    for (const extra of [reconciliationReportKey(json.period), discrepanciesCsvKey(json.period)]) {
      const bytes = await deps.artifacts.get(extra);
      if (bytes) await writeFile(join(out, extra), bytes);
    }
  }

  const invoices = await deps.ledger.listInvoices();
  for (const account of invoices) {
    const number = account.invoice.number;
    const json = invoiceJson(account, asOf);
    await writeFile(join(out, 'invoices', `${number}.json`), JSON.stringify(json, null, 1) + '\n');
    const pdf = await deps.artifacts.get(invoiceKey(number, 'pdf'));
    if (pdf) await writeFile(join(out, 'invoices', `${number}.pdf`), pdf);
    const html = await deps.artifacts.get(invoiceKey(number, 'html'));
    if (html) await writeFile(join(out, 'invoices', `${number}.html`), withStatusBanner(text(html), json, asOf));
  }
  await writeUnapprovedDrafts(deps, out);
  // Only when credit notes were issued: without adjustments, OUT is what it always was.
  const creditNotes = await deps.ledger.listCreditNotes();
  if (creditNotes.length > 0) await mkdir(join(out, 'credit-notes'), { recursive: true });
  for (const note of creditNotes) {
    for (const kind of ['json', 'html', 'pdf'] as const) {
      const bytes = await deps.artifacts.get(creditNoteKey(note.number, kind));
      if (bytes) await writeFile(join(out, 'credit-notes', `${note.number}.${kind}`), bytes);
    }
  }
  // Statements of account (docs/statements.md): OUT/statements/<date>/<client>.{html,pdf}, only when any were sent.
  for (const key of await deps.artifacts.list(ARTIFACT_PREFIXES.statements)) {
    const bytes = await deps.artifacts.get(key);
    if (!bytes) continue;
    await mkdir(dirname(join(out, key)), { recursive: true });
    await writeFile(join(out, key), bytes);
  }
  const clientNames = new Map((await deps.ledger.loadReferenceData())?.clients.map((c) => [c.clientId, c.name]) ?? []);

  for (const key of await deps.artifacts.list(AGING_REPORTS_PREFIX)) {
    const bytes = await deps.artifacts.get(key);
    if (bytes && (key === agingReportKey(asOf, 'csv') || key.endsWith('.html'))) await writeFile(join(out, key), bytes);
  }

  await writeFile(
    join(out, 'reports', `unapplied-payments-${asOf}.csv`),
    unappliedPaymentsCsv(payments, await deps.ledger.listDiscrepancies()),
  );

  const sent = (await deps.ledger.sentLog()).filter((e) => e.kind !== 'file_rejected');
  const notifications = sent.map((e) => ({
    date: e.date,
    kind: e.kind,
    to: e.to,
    subject: e.subject,
    invoices: e.invoices,
  }));
  await writeFile(join(out, 'notifications.json'), JSON.stringify(notifications, null, 1) + '\n');
  const emailFiles: string[] = [];
  for (const [index, entry] of sent.entries()) {
    const name = `${String(index + 1).padStart(4, '0')}-${entry.date}-${entry.kind}${entry.invoices[0] ? `-${entry.invoices[0].number}` : ''}.eml`;
    const bytes = await deps.artifacts.get(entry.rawKey);
    if (bytes) await writeFile(join(out, 'emails', name), bytes);
    emailFiles.push(name);
  }

  const byKind: Record<string, number> = {};
  for (const e of notifications) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
  await writeFile(
    join(out, 'index.html'),
    renderIndexPage({
      mspName,
      asOf,
      periods,
      invoices: invoices.map((i) => invoiceJson(i, asOf)),
      emails: sent.map((e, i) => ({
        file: emailFiles[i] ?? '',
        date: e.date,
        kind: e.kind,
        subject: e.subject,
        to: e.to,
      })),
      inboxUrl,
      clientNames,
    }),
  );
  return { periods, invoices: invoices.length, emails: sent.length, notificationsByKind: byKind, out };
}

/**
 * The drafts still not approved at the end (hold mode, docs/review.md), as rendered:
 * `OUT/drafts/<period>/<client>.{json,html,pdf}`. No folder when there are none.
 */
async function writeUnapprovedDrafts(deps: Deps, out: string): Promise<void> {
  for (const draft of (await deps.ledger.listDrafts()).filter((d) => d.status !== 'approved')) {
    await mkdir(join(out, 'drafts', draft.period), { recursive: true });
    for (const kind of ['json', 'html', 'pdf'] as const) {
      const bytes = await deps.artifacts.get(draftKey(draft.period, draft.clientId, kind));
      if (!bytes) continue;
      const path = join(out, 'drafts', draft.period, `${draft.clientId}.${kind}`);
      // The JSON says where the draft stands now (held since it was rendered, and why).
      const state = {
        status: draft.status,
        ...(draft.holdReason === undefined ? {} : { holdReason: draft.holdReason }),
      };
      if (kind === 'json') {
        const json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
        await writeFile(path, JSON.stringify({ ...json, draft: state }, null, 1) + '\n');
      } else await writeFile(path, bytes);
    }
  }
}

/**
 * the reconciliation of docs/contract.md §9 shape, without the internal pair fields; `held` and
 * `released` (expected feeds, docs/sources.md) follow only when a feed was missing.
 */
function specReconciliation(json: ReconciliationJson): unknown {
  const strip = (pairs: ReconciliationJson['pairs']): unknown[] =>
    pairs.map(({ agreementId: _a, totalCost: _t, ...pair }) => pair);
  return {
    period: json.period,
    pairs: strip(json.pairs),
    discrepancies: json.discrepancies,
    metrics: json.metrics,
    files: json.files.map(({ sha256: _sha, ...file }) => file),
    ...(json.held ? { held: json.held } : {}),
    ...(json.released ? { released: json.released.map((r) => ({ ...r, pairs: strip(r.pairs) })) } : {}),
  };
}

/**
 * The invoice page as issued, with a banner on top giving its status and balance as of --to:
 * the stored HTML and PDF stay what the client received (an issued invoice never changes); the
 * copy in OUT says what happened since.
 */
export function withStatusBanner(html: string, invoice: InvoiceJson, asOf: IsoDate): string {
  const status = shownStatus(invoice, asOf);
  const settled = status.key === 'paid' || status.key === 'void';
  const balance = settled ? '' : ` — balance ${invoice.currency} ${invoice.balance}`;
  const colors =
    status.key === 'void'
      ? '#374151;background:#f3f4f6'
      : status.key === 'paid'
        ? '#15803d;background:#f0fdf4'
        : status.key === 'overdue'
          ? '#b91c1c;background:#fef2f2'
          : '#b45309;background:#fffbeb';
  const banner = `<div class="asof" role="status" style="margin:0;padding:10px 16px;font:bold 14px/1.4 Helvetica,Arial,sans-serif;border-bottom:2px solid;color:${colors}">As of ${escapeHtml(asOf)}: ${escapeHtml(status.label)}${escapeHtml(balance)}</div>`;
  const body = /<body[^>]*>/i.exec(html);
  return body
    ? `${html.slice(0, body.index + body[0].length)}\n${banner}${html.slice(body.index + body[0].length)}`
    : `${banner}\n${html}`;
}
