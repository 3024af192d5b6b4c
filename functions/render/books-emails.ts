/**
 * Publishing to the books (docs/accounting.md): the billing team's `books_refused` email (the
 * documents the accounting system refused, and those it holds with another total, each with the
 * system's words and what to fix), and the aging report's "Not in the books" section.
 */
import type { Settings } from '../domain/billing-types.js';
import type { EmailContent } from './email-content.js';
import { escapeHtml as e, safeHeader } from './escape.js';

export type BooksDocumentKind = 'customer' | 'invoice' | 'credit_note' | 'payment';

export interface BooksProblem {
  readonly kind: BooksDocumentKind;
  /** The TrueUp key: a client id, an invoice or credit note number, a payment id. */
  readonly key: string;
  /** `refused`: not in the books; `warning`: in the books with another total. */
  readonly problem: 'refused' | 'warning';
  /** The system's message (refused) or what differs (warning). */
  readonly message: string;
  readonly firstTriedOn: string;
  readonly attempts: number;
}

const KIND_LABEL: Record<BooksDocumentKind, string> = {
  customer: 'Customer',
  invoice: 'Invoice',
  credit_note: 'Credit note',
  payment: 'Payment',
};

/** The accounting system as people name it. */
export function booksSystemLabel(system: string): string {
  return system === 'quickbooks' ? 'QuickBooks Online' : system === 'xero' ? 'Xero' : system;
}

export function documentLabel(p: Pick<BooksProblem, 'kind' | 'key'>): string {
  return `${KIND_LABEL[p.kind]} ${p.key}`;
}

/** What the billing team does about it, in the system's terms. */
export function whatToFix(p: Pick<BooksProblem, 'kind' | 'problem'>, system: string): string {
  const label = booksSystemLabel(system);
  if (p.problem === 'warning')
    return `It is in ${label} with another total: compare its lines and tax with TrueUp's (the document the client received) and correct it in ${label}.`;
  const then = 'then run trueup accounting publish (the daily run retries it too).';
  switch (p.kind) {
    case 'customer':
      return `Fix the contact in ${label} (a name already taken, an invalid email or currency) or the client in clients.csv; ${then} Its documents wait for it.`;
    case 'payment':
      return `Check the deposit account (accounting.publish.paymentAccount) in ${label}'s chart and that the invoice is open there; ${then}`;
    default:
      return `Check the accounts (products.csv income_account, trueup.json accounting) and the tax in ${label}'s settings; ${then}`;
  }
}

function textLines(problems: readonly BooksProblem[], system: string): string[] {
  return problems.flatMap((p) => [
    `- ${documentLabel(p)} (${p.problem === 'refused' ? `refused, ${p.attempts} run(s) since ${p.firstTriedOn}` : 'published with a warning'})`,
    `  ${booksSystemLabel(system)}: ${p.message}`,
    `  To fix: ${whatToFix(p, system)}`,
  ]);
}

function htmlTable(problems: readonly BooksProblem[], system: string): string {
  const cell = (s: string): string =>
    `<td style="padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top">${e(s)}</td>`;
  const head = ['Document', booksSystemLabel(system), 'To fix']
    .map((h) => `<th style="text-align:left;padding:4px 8px;background:#f3f4f6">${e(h)}</th>`)
    .join('');
  const rows = problems
    .map(
      (p) =>
        `<tr>${cell(`${documentLabel(p)} — ${p.problem === 'refused' ? `refused since ${p.firstTriedOn}` : 'published, totals differ'}`)}${cell(p.message)}${cell(whatToFix(p, system))}</tr>`,
    )
    .join('');
  return `<table style="border-collapse:collapse;font-size:13px"><tr>${head}</tr>${rows}</table>`;
}

/** The day's email to the report recipients: new refusals and warnings of publishing to `system`. */
export function booksRefusedEmail(input: {
  settings: Settings;
  system: string;
  day: string;
  problems: readonly BooksProblem[];
}): EmailContent {
  const { settings, system, day, problems } = input;
  const label = booksSystemLabel(system);
  const refused = problems.filter((p) => p.problem === 'refused').length;
  const warned = problems.length - refused;
  const subject = safeHeader(
    `${label}: ${refused} document(s) refused${warned ? `, ${warned} with another total` : ''} — ${settings.msp.name}`,
  );
  const intro = `Publishing to ${label} on ${day}: ${refused} document(s) refused (not in the books; retried every run until ${label} takes them)${warned ? ` and ${warned} published with a total that differs from TrueUp's` : ''}. Each is reported once per message; trueup accounting status lists what is refused now.`;
  const text = [intro, '', ...textLines(problems, system), '', settings.msp.name, ''].join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;color:#111;margin:24px;max-width:860px">
<h1 style="font-size:18px">${e(label)}: documents to fix</h1>
<p>${e(intro)}</p>
${htmlTable(problems, system)}
<p style="color:#6b7280">${e(settings.msp.name)}</p>
</body></html>`;
  return { subject, text, html, attachments: [] };
}

/** The aging report's "Not in the books" section: every document the system refuses now. */
export function notInBooksSection(system: string, refused: readonly BooksProblem[]): { text: string; html: string } {
  const label = booksSystemLabel(system);
  const summary = refused.length
    ? `${refused.length} document(s) refused by ${label}, retried every run (trueup accounting status):`
    : `Nothing refused by ${label}.`;
  return {
    text: ['', 'Not in the books:', `  ${summary}`, ...textLines(refused, system).map((l) => `  ${l}`)].join('\n'),
    html: `<h2 style="font-size:16px">Not in the books</h2>\n<p>${e(summary)}</p>\n${refused.length ? `${htmlTable(refused, system)}\n` : ''}`,
  };
}
