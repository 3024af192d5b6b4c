/**
 * The billing team's emails: the reconciliation report after each billing run and the AR
 * aging report each aging weekday (docs/contract.md §8). Each is stored in S3 and sent once.
 */
import { agingCsv } from '../domain/aging-csv.js';
import { computeAging, dsoTrend } from '../domain/compute-aging.js';
import { addMonths, isoWeekday, periodOf, type IsoDate } from '../domain/dates.js';
import { renderAgingReport } from '../reports/render-aging-report.js';
import {
  renderReconciliationReport,
  summarizeRejections,
  type RejectionSummary,
} from '../reports/render-reconciliation-report.js';
import { agingReportEmail, reconciliationReportEmail } from '../render/emails.js';
import type { Deps, UseCaseDeps } from './deps.js';
import {
  SYSTEM_ACTOR,
  type DiscrepancyStore,
  type DraftBook,
  type InvoiceBook,
  type ReconciliationLog,
} from './ports.js';
import { draftLines } from './review-drafts.js';
import { draftsSection } from '../render/review-emails.js';
import { notInBooksSection } from '../render/books-emails.js';
import type { BooksLog } from './books-ports.js';
import { byKindThenKey, problemOf } from './publish-books.js';
import {
  agingReportKey,
  discrepanciesCsvKey,
  readReconciliation,
  reconciliationKey,
  reconciliationReportKey,
  rejectedKey,
} from './bucket-layout.js';
import type { ReconciliationJson } from './reconciliation-json.js';
import { requireReference } from './run-billing.js';
import type { ReferenceData } from '../domain/billing-types.js';
import { completeIfRecorded, sendOnce, type SendDeps } from './send-email.js';

/** What the reports need: what they summarize, the rejected rows' files, and sending. */
export type ReportDeps = SendDeps &
  UseCaseDeps<ReconciliationLog & DiscrepancyStore & InvoiceBook & DraftBook & BooksLog, 'usage'>;

export async function sendReconciliationReport(deps: ReportDeps, input: { today: IsoDate }): Promise<boolean> {
  const reference = await requireReference(deps);
  const period = addMonths(periodOf(input.today), -1);
  const key = `report#reconciliation#${period}`;
  // Once its email is recorded, the stored report is the one the team received: a re-run (a
  // retry, a second run) leaves it as it is, although discrepancies have moved on since.
  if (await completeIfRecorded(deps, key)) return false;
  const reconciliation = await readReconciliation(deps.artifacts, reconciliationKey(period));
  if (!reconciliation) throw new Error(`No reconciliation for ${period} yet: the billing run has not run`);
  const history = (await deps.ledger.recentReconciliations(6))
    .filter((r) => r.period <= period)
    .reverse()
    .map((r) => ({ period: r.period, discrepancyRate: r.discrepancyRate }));
  // The pipeline's own closures (by policy) are not decisions: they stay out of the mean resolution time.
  const lifecycle = (await deps.ledger.listDiscrepancies()).map((d) => ({ ...d, automatic: d.by === SYSTEM_ACTOR }));
  const catalog = {
    accounts: reference.accounts,
    products: reference.products,
    vendorSkus: reference.skuMap,
    clients: reference.clients,
  };
  const rejected = await rejectedRows(deps, reconciliation);
  const rejections = rejected.map((r) => r.summary);
  const report = withDrafts(
    renderReconciliationReport({
      mspName: reference.settings.msp.name,
      reconciliation,
      history,
      lifecycle,
      catalog,
      rejections,
    }),
    draftsSection(period, draftLines(reference, await deps.ledger.listDrafts(period))),
  );
  await deps.artifacts.put(reconciliationReportKey(period), report.html, 'text/html; charset=utf-8');
  await deps.artifacts.put(discrepanciesCsvKey(period), report.csv, 'text/csv');
  return sendOnce(deps, {
    key,
    kind: 'reconciliation_report',
    date: input.today,
    from: reference.settings.msp.email,
    to: reference.settings.reports.recipients,
    content: reconciliationReportEmail({
      settings: reference.settings,
      period,
      ...report,
      rejected: rejected.flatMap((r) => (r.attachment ? [r.attachment] : [])),
    }),
  });
}

/** The report with a section (hold mode's drafts, docs/review.md; the books') at its end; as it is without one. */
function withDrafts<R extends { html: string; text: string }>(
  report: R,
  section: { html: string; text: string } | undefined,
): R {
  if (!section) return report;
  return {
    ...report,
    text: `${report.text}\n${section.text}`,
    html: report.html.replace(/<\/body>/, `${section.html}</body>`),
  };
}

/**
 * The aging report's "Not in the books" section: every document the accounting system refuses
 * now. Only when `accounting.publish` is set; otherwise the report is as it always was.
 */
async function notInBooks(
  deps: UseCaseDeps<BooksLog>,
  reference: ReferenceData,
): Promise<{ html: string; text: string } | undefined> {
  const publish = reference.settings.accounting?.publish;
  if (!publish) return undefined;
  const refused = (await deps.ledger.listBooksRecords(publish.system))
    .filter((r) => r.status === 'refused')
    .sort(byKindThenKey);
  return notInBooksSection(publish.system, refused.map(problemOf));
}

/** Rejected-rows CSVs larger than this are summarized in the report but not attached (SES's message size). */
export const MAX_REJECTED_ATTACHMENT_BYTES = 2 * 1024 * 1024;

/**
 * The rejected rows of each listed file that has some (usage bucket
 * `rejected/<sha256>/<name>.errors.csv`), summarized, and attached when small enough.
 */
async function rejectedRows(
  deps: Pick<Deps, 'usage'>,
  reconciliation: ReconciliationJson,
): Promise<{ summary: RejectionSummary; attachment?: { filename: string; content: string } }[]> {
  const found = [];
  for (const file of reconciliation.files) {
    if (!file.sha256 || (file.rowsRejected === 0 && !file.fileError)) continue;
    const key = rejectedKey(file.sha256, file.name);
    const bytes = await deps.usage.get(key);
    if (!bytes) continue;
    const csv = new TextDecoder().decode(bytes);
    const filename = key.slice(key.lastIndexOf('/') + 1);
    const attach = bytes.length <= MAX_REJECTED_ATTACHMENT_BYTES;
    found.push({
      summary: summarizeRejections(file.name, csv, attach ? filename : undefined),
      ...(attach ? { attachment: { filename, content: csv } } : {}),
    });
  }
  return found;
}

/**
 * The scheduled aging report of `today`: emailed on the data folder's `reports.agingWeekday`
 * (ISO, 1 = Monday), nothing on other days. The schedule itself runs daily, so the weekday is
 * the billing team's setting, not the deployment's.
 */
export async function scheduledAgingReport(deps: ReportDeps, input: { today: IsoDate }): Promise<{ sent: boolean }> {
  const reference = await requireReference(deps);
  if (isoWeekday(input.today) !== reference.settings.reports.agingWeekday) return { sent: false };
  await sendAgingReport(deps, { asOf: input.today, email: true });
  return { sent: true };
}

/**
 * Computes the aging report as of a date and stores it; emails it unless `email` is false.
 * The report of a date whose email is recorded is the stored one, never recomputed: balances
 * have moved on since, and what the team received stays what is stored.
 */
export async function sendAgingReport(
  deps: ReportDeps,
  input: { asOf: IsoDate; email: boolean },
): Promise<{ csv: string; html: string }> {
  const key = `report#aging#${input.asOf}`;
  if (await deps.ledger.getOutbox(key)) {
    const [csv, html] = await Promise.all([
      deps.artifacts.get(agingReportKey(input.asOf, 'csv')),
      deps.artifacts.get(agingReportKey(input.asOf, 'html')),
    ]);
    if (csv && html) {
      if (input.email) await completeIfRecorded(deps, key);
      return { csv: new TextDecoder().decode(csv), html: new TextDecoder().decode(html) };
    }
  }
  const reference = await requireReference(deps);
  const invoices = (await deps.ledger.listInvoices()).filter((i) => i.invoice.issueDate <= input.asOf);
  const report = computeAging({ asOf: input.asOf, clients: [...reference.clients], invoices });
  const csv = agingCsv(report);
  const finalStep = [...reference.settings.dunning.steps].sort((a, b) => a.offsetDays - b.offsetDays).at(-1)?.name;
  const trend = dsoTrend({ asOf: input.asOf, clients: [...reference.clients], invoices });
  const rendered = withDrafts(
    renderAgingReport({
      mspName: reference.settings.msp.name,
      report,
      invoices,
      asOf: input.asOf,
      finalStep,
      dsoTrend: trend,
    }),
    await notInBooks(deps, reference),
  );
  await deps.artifacts.put(agingReportKey(input.asOf, 'csv'), csv, 'text/csv');
  await deps.artifacts.put(agingReportKey(input.asOf, 'html'), rendered.html, 'text/html; charset=utf-8');
  if (input.email) {
    await sendOnce(deps, {
      key,
      kind: 'aging_report',
      date: input.asOf,
      from: reference.settings.msp.email,
      to: reference.settings.reports.recipients,
      content: agingReportEmail({
        settings: reference.settings,
        asOf: input.asOf,
        html: rendered.html,
        text: rendered.text,
        csv,
      }),
    });
  }
  return { csv, html: rendered.html };
}
