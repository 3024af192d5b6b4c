/**
 * Hold mode (docs/review.md): the billing team's email that a period's drafts await review, and
 * the drafts section of the reconciliation report. Both list each draft that is not approved
 * (client, total, held and why) and the command that approves them.
 */
import { formatMoney, type Dec } from '../domain/money.js';
import type { Settings } from '../domain/billing-types.js';
import type { EmailContent } from './email-content.js';
import { escapeHtml as e, safeHeader } from './escape.js';

export interface DraftLine {
  readonly clientId: string;
  readonly clientName: string;
  readonly currency: string;
  readonly total: Dec;
  readonly status: 'pending' | 'held' | 'approved';
  readonly holdReason?: string;
  /** The number an approved draft took. */
  readonly number?: string;
}

/** The commands that list and approve the drafts of `period`. */
export function reviewCommands(period: string): { list: string; approve: string } {
  return {
    list: `trueup invoices drafts --period ${period}`,
    approve: `trueup invoices approve --period ${period} --all`,
  };
}

function state(d: DraftLine): string {
  if (d.status === 'approved') return `approved (${d.number ?? ''})`;
  return d.status === 'held' ? `held: ${d.holdReason ?? ''}` : 'awaiting review';
}

function textRows(drafts: readonly DraftLine[]): string[] {
  return drafts.map(
    (d) => `  ${d.clientId}  ${d.clientName}  ${d.currency} ${formatMoney(d.total, d.currency)}  ${state(d)}`,
  );
}

function htmlTable(drafts: readonly DraftLine[]): string {
  const cell = (s: string, right = false): string =>
    `<td style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:${right ? 'right' : 'left'}">${e(s)}</td>`;
  const head = ['Client', 'Name', 'Total', 'State']
    .map((h, i) => `<th style="text-align:${i === 2 ? 'right' : 'left'};padding:4px 8px;background:#f3f4f6">${h}</th>`)
    .join('');
  const rows = drafts
    .map(
      (d) =>
        `<tr>${cell(d.clientId)}${cell(d.clientName)}${cell(`${d.currency} ${formatMoney(d.total, d.currency)}`, true)}${cell(state(d))}</tr>`,
    )
    .join('');
  return `<table style="border-collapse:collapse;font-size:13px"><tr>${head}</tr>${rows}</table>`;
}

/** The email to the report recipients: `drafts` (not approved) of `period` wait for review. */
export function draftsAwaitingReviewEmail(input: {
  settings: Settings;
  period: string;
  drafts: readonly DraftLine[];
}): EmailContent {
  const { settings, period, drafts } = input;
  const commands = reviewCommands(period);
  const subject = safeHeader(`${drafts.length} draft invoice(s) of ${period} await review — ${settings.msp.name}`);
  const intro = `The billing run of ${period} held ${drafts.length} invoice(s) as drafts: nothing was sent to these clients. Each draft (PDF, HTML, JSON) is in the artifacts bucket under drafts/${period}/.`;
  const howTo = [
    `List them: ${commands.list}`,
    `Approve them all (held ones stay held): ${commands.approve}`,
    `Approve some: trueup invoices approve --period ${period} --client ID ...`,
    `Hold one: trueup invoices hold --client ID --reason TEXT --period ${period}`,
    `Numbers are taken when a draft is approved; the invoice is dated the day of approval.`,
  ];
  const text = [intro, '', ...textRows(drafts), '', ...howTo, '', settings.msp.name, ''].join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;color:#111;margin:24px;max-width:760px">
<h1 style="font-size:18px">Draft invoices of ${e(period)} await review</h1>
<p>${e(intro)}</p>
${htmlTable(drafts)}
<ul>${howTo.map((l) => `<li>${e(l)}</li>`).join('')}</ul>
<p style="color:#6b7280">${e(settings.msp.name)}</p>
</body></html>`;
  return { subject, text, html, attachments: [] };
}

/** The reconciliation report's drafts section (text and HTML), or undefined when the period has no drafts. */
export function draftsSection(
  period: string,
  drafts: readonly DraftLine[],
): { text: string; html: string } | undefined {
  if (drafts.length === 0) return undefined;
  const waiting = drafts.filter((d) => d.status !== 'approved').length;
  const summary = `${drafts.length} draft(s) held for review, ${waiting} not approved yet (approve: ${reviewCommands(period).approve}).`;
  return {
    text: ['', 'Drafts held for review:', `  ${summary}`, ...textRows(drafts)].join('\n'),
    html: `<h2 style="font-size:16px">Drafts held for review</h2>\n<p>${e(summary)}</p>\n${htmlTable(drafts)}\n`,
  };
}
