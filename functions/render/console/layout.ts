/**
 * The console's page shell and the small pieces every page is made of (docs/console.md). Every
 * value that came from data goes through `escapeHtml`; the helpers take already-safe HTML
 * (`Html`) only where their name says so.
 */
import { escapeHtml } from '../escape.js';

/** A string of HTML that is safe to emit as is (built by these helpers from escaped values). */
export type Html = string & { readonly __html?: true };

export const h = (s: string | number | undefined | null): Html =>
  escapeHtml(s === undefined || s === null ? '' : String(s));

export const NAV: readonly [path: string, label: string][] = [
  ['/', 'Period'],
  ['/discrepancies', 'Discrepancies'],
  ['/drafts', 'Drafts'],
  ['/invoices', 'Invoices'],
  ['/credit-notes', 'Credit notes'],
  ['/payments', 'Payments'],
  ['/aging', 'Aging'],
  ['/usage', 'Usage files'],
  ['/settings', 'Settings'],
  ['/audit', 'Audit log'],
];

export interface PageFrame {
  readonly title: string;
  /** The nav entry to mark current. */
  readonly section: string;
  readonly user: { readonly id: string; readonly role: 'admin' | 'viewer' };
  readonly mspName?: string;
  readonly flash?: { readonly text: string; readonly error?: boolean };
}

export function page(frame: PageFrame, body: Html): Html {
  const nav = NAV.map(
    ([path, label]) =>
      `<li><a href="${h(path)}"${path === frame.section ? ' aria-current="page"' : ''}>${h(label)}</a></li>`,
  ).join('');
  const flash = frame.flash
    ? `<div class="flash${frame.flash.error ? ' error' : ''}" role="${frame.flash.error ? 'alert' : 'status'}">${h(frame.flash.text)}</div>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(frame.title)} · TrueUp console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="who">${h(frame.user.id)} (${frame.user.role === 'admin' ? 'admin' : 'read-only'})</span>
<a class="brand" href="/">TrueUp${frame.mspName ? ` · ${h(frame.mspName)}` : ''}</a>
<nav class="main" aria-label="Console"><ul>${nav}</ul></nav>
</header>
<main id="main" tabindex="-1">
<h1>${h(frame.title)}</h1>
${flash}${body}
</main>
</body>
</html>
`;
}

export interface Column<T> {
  readonly label: string;
  readonly cell: (row: T) => Html;
  readonly num?: boolean;
}

/** A table with a caption and column headers, in a region that scrolls sideways on a narrow screen (not the page). */
export function table<T>(caption: string, columns: readonly Column<T>[], rows: readonly T[], empty = 'None.'): Html {
  if (rows.length === 0) return `<p class="muted">${h(caption)}: ${h(empty)}</p>`;
  const head = columns.map((c) => `<th scope="col"${c.num ? ' class="num"' : ''}>${h(c.label)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${columns.map((c) => `<td${c.num ? ' class="num"' : ''}>${c.cell(r)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap" role="region" aria-label="${h(caption)}" tabindex="0"><table><caption>${h(caption)}</caption><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>`;
}

export const link = (href: string, text: string): Html => `<a href="${h(href)}">${h(text)}</a>`;

/** A path with a query string of the given (defined, non-empty) parameters. */
export function withQuery(path: string, params: Readonly<Record<string, string | undefined>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export const badge = (text: string): Html => `<span class="badge ${h(text.replace(/\s+/g, '-'))}">${h(text)}</span>`;

/** A `<select>` with a label; `options` as [value, label]. */
export function select(name: string, label: string, options: readonly [string, string][], selected?: string): Html {
  const id = `f-${name}`;
  return `<label for="${h(id)}">${h(label)}<select id="${h(id)}" name="${h(name)}">${options
    .map(([v, l]) => `<option value="${h(v)}"${v === (selected ?? '') ? ' selected' : ''}>${h(l)}</option>`)
    .join('')}</select></label>`;
}

export function input(name: string, label: string, value?: string, type = 'text'): Html {
  const id = `f-${name}`;
  return `<label for="${h(id)}">${h(label)}<input id="${h(id)}" type="${h(type)}" name="${h(name)}" value="${h(value ?? '')}"></label>`;
}

/** The hidden CSRF field every POST form carries. */
export const csrfField = (token: string): Html => `<input type="hidden" name="csrf" value="${h(token)}">`;

/** The body of an error page (404, 403, 400). */
export function errorMessage(message: string): Html {
  return `<p>${h(message)}</p><p><a href="/">Back to the period at a glance</a></p>`;
}
