/**
 * The billing team's console (docs/console.md): server-rendered pages over the ledger, and the
 * actions a person takes, each through the audited use cases the CLI runs
 * (audited-actions.ts). The same function answers behind the local web server and behind the
 * Lambda of the web API; the caller has authenticated `user` (locally: the person who ran
 * `trueup local`; on AWS: the Cognito user and group).
 *
 * Rules: GET reads, POST acts. A POST needs the admin role (a viewer gets 403), the CSRF token
 * of its user (a hidden field) and, when the browser sends one, an Origin of this console; it
 * answers 303 back to its page with a signed flash message, so a reload never repeats it.
 */
import type { Deps } from '../deps.js';
import type { ConsoleUser, HttpRequest, HttpResponse } from '../http-types.js';
import {
  ActionError,
  approveDraftsAudited,
  chargeDiscrepancyAudited,
  followUpDiscrepancy,
  uploadUsageFile,
} from '../audited-actions.js';
import { ChargeError } from '../charges.js';
import { ReviewError, draftLines } from '../review-drafts.js';
import type { ReferenceData } from '../../domain/billing-types.js';
import { computeAging } from '../../domain/compute-aging.js';
import { dateInZone, isIsoDate, type IsoDate } from '../../domain/dates.js';
import { invoiceBalance } from '../../domain/invoice-balance.js';
import { errorMessage, page, type Html, type PageFrame } from '../../render/console/layout.js';
import {
  agingPage,
  auditPage,
  creditNotesPage,
  discrepanciesPage,
  draftsPage,
  invoicePage,
  invoicesPage,
  overviewPage,
  paymentsPage,
  rejectedPage,
  settingsPage,
  sourceRowsPage,
  usagePage,
  type Acting,
} from '../../render/console/pages.js';
import {
  consoleKey,
  csrfToken,
  first,
  flashQuery,
  FormError,
  parseForm,
  readFlash,
  validCsrf,
  type FormData,
} from './forms.js';
import { periodOverview, rejectedRows, sourceRows, usageFiles } from './read-models.js';

export interface ConsoleOptions {
  /** The clock (tests pass their own); the day is taken in the MSP's time zone. */
  readonly now?: () => Date;
  /** The key CSRF tokens and flash messages are signed with (default: forms.ts consoleKey). */
  readonly key?: string;
}

/** Like the payments endpoint's PAGE_HEADERS, with the console's own stylesheet and script (no inline code, nothing third-party). */
export const CONSOLE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
} as const;

interface Context {
  readonly deps: Deps;
  readonly request: HttpRequest;
  readonly user: ConsoleUser;
  readonly key: string;
  readonly reference: ReferenceData | undefined;
  readonly today: IsoDate;
  readonly now: Date;
}

export async function handleConsoleRequest(
  deps: Deps,
  request: HttpRequest,
  user: ConsoleUser,
  options: ConsoleOptions = {},
): Promise<HttpResponse> {
  const now = options.now?.() ?? new Date();
  const reference = await deps.ledger.loadReferenceData();
  const ctx: Context = {
    deps,
    request,
    user,
    key: consoleKey(options.key),
    reference,
    today: dateInZone(now, reference?.settings.timezone ?? 'UTC'),
    now,
  };
  const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
  try {
    if (request.method === 'GET' || request.method === 'HEAD') return await show(ctx, path);
    if (request.method === 'POST') return await act(ctx, path);
    return {
      ...render(ctx, 405, 'Method not allowed', '', errorBody(ctx, 'Method not allowed')),
      headers: { ...CONSOLE_HEADERS, allow: 'GET, POST' },
    };
  } catch (error) {
    if (error instanceof FormError) return render(ctx, 400, 'Bad request', '', errorBody(ctx, error.message));
    throw error;
  }
}

function frame(ctx: Context, title: string, section: string): PageFrame {
  const flash = readFlash(ctx.key, ctx.request.query);
  return {
    title,
    section,
    user: ctx.user,
    ...(ctx.reference ? { mspName: ctx.reference.settings.msp.name } : {}),
    ...(flash ? { flash } : {}),
  };
}

function render(ctx: Context, status: number, title: string, section: string, body: Html): HttpResponse {
  return { status, headers: CONSOLE_HEADERS, body: page(frame(ctx, title, section), body) };
}

function errorBody(_ctx: Context, message: string): Html {
  return errorMessage(message);
}

function notFound(ctx: Context, what = 'There is no such page in the console.'): HttpResponse {
  return render(ctx, 404, 'Not found', '', errorBody(ctx, what));
}

function acting(ctx: Context): Acting {
  return { admin: ctx.user.role === 'admin', csrf: csrfToken(ctx.key, ctx.user.id) };
}

const q = (ctx: Context, name: string): string | undefined => ctx.request.query[name]?.trim() || undefined;

// ---- pages -------------------------------------------------------------------------------------

async function show(ctx: Context, path: string): Promise<HttpResponse> {
  const { deps } = ctx;
  switch (path) {
    case '/':
      return render(ctx, 200, 'The period at a glance', '/', overviewPage(await periodOverview(deps)));
    case '/discrepancies': {
      const filter = {
        status: q(ctx, 'status'),
        client: q(ctx, 'client'),
        vendor: q(ctx, 'vendor'),
        group: q(ctx, 'group'),
      };
      const params = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => !!e[1]));
      const back = params.size > 0 ? `/discrepancies?${params.toString()}` : '/discrepancies';
      return render(
        ctx,
        200,
        'Discrepancies',
        '/discrepancies',
        discrepanciesPage(await deps.ledger.listDiscrepancies(), filter, acting(ctx), back),
      );
    }
    case '/drafts':
      return drafts(ctx);
    case '/invoices':
      return invoices(ctx);
    case '/credit-notes':
      return render(ctx, 200, 'Credit notes', '/credit-notes', creditNotesPage(await deps.ledger.listCreditNotes()));
    case '/payments': {
      const [recorded, pending, discrepancies] = await Promise.all([
        deps.ledger.recordedPayments(),
        deps.ledger.pendingPayments('9999-12-31'),
        deps.ledger.listDiscrepancies(),
      ]);
      const unapplied = discrepancies.filter((d) => d.type === 'unapplied_payment');
      return render(ctx, 200, 'Payments', '/payments', paymentsPage(recorded, pending, unapplied));
    }
    case '/aging': {
      const given = q(ctx, 'as_of');
      const asOf = given && isIsoDate(given) ? given : ctx.today;
      const all = (await deps.ledger.listInvoices()).filter((i) => i.invoice.issueDate <= asOf);
      const report = computeAging({ asOf, clients: [...(ctx.reference?.clients ?? [])], invoices: all });
      const open = all.filter((i) => invoiceBalance(i, asOf).balance.greaterThan(0));
      return render(ctx, 200, 'Aging', '/aging', agingPage(report, open, asOf));
    }
    case '/usage':
      return render(ctx, 200, 'Usage files', '/usage', usagePage(await usageFiles(deps), acting(ctx)));
    case '/usage/rejected': {
      const sha256 = q(ctx, 'sha256') ?? '';
      const name = ctx.request.query.name ?? '';
      return render(
        ctx,
        200,
        `Rejected rows of ${name}`,
        '/usage',
        rejectedPage(name, await rejectedRows(deps, sha256, name)),
      );
    }
    case '/settings':
      return render(ctx, 200, 'Settings', '/settings', settingsPage(ctx.reference));
    case '/audit': {
      const from = q(ctx, 'from');
      const to = q(ctx, 'to');
      const limit = Math.min(Math.max(Number.parseInt(q(ctx, 'limit') ?? '200', 10) || 200, 1), 5000);
      const query = { ...(from && isIsoDate(from) ? { from } : {}), ...(to && isIsoDate(to) ? { to } : {}), limit };
      return render(ctx, 200, 'Audit log', '/audit', auditPage(await deps.ledger.listAudit(query), query));
    }
  }
  const line = /^\/invoices\/([^/]+)\/lines\/(\d+)$/.exec(path);
  if (line) return invoiceLine(ctx, decodeURIComponent(line[1]!), Number(line[2]));
  const invoice = /^\/invoices\/([^/]+)$/.exec(path);
  if (invoice) return invoiceDetail(ctx, decodeURIComponent(invoice[1]!));
  return notFound(ctx);
}

async function drafts(ctx: Context): Promise<HttpResponse> {
  const all = await ctx.deps.ledger.listDrafts();
  const periods = [...new Set(all.map((d) => d.period))].sort().reverse();
  const awaiting = all
    .filter((d) => d.status !== 'approved')
    .map((d) => d.period)
    .sort()
    .at(-1);
  const period = q(ctx, 'period') ?? awaiting ?? periods[0];
  const list = period ? all.filter((d) => d.period === period) : [];
  const lines = ctx.reference ? draftLines(ctx.reference, list) : [];
  return render(
    ctx,
    200,
    period ? `Drafts of ${period}` : 'Drafts',
    '/drafts',
    draftsPage(periods, period, list, lines, acting(ctx)),
  );
}

async function invoices(ctx: Context): Promise<HttpResponse> {
  const search = q(ctx, 'q');
  const names = new Map((ctx.reference?.clients ?? []).map((c) => [c.clientId, c.name]));
  const needle = search?.toLowerCase();
  const list = (await ctx.deps.ledger.listInvoices())
    .filter(
      (i) =>
        !needle ||
        i.invoice.number.toLowerCase().includes(needle) ||
        i.invoice.clientId.toLowerCase() === needle ||
        (names.get(i.invoice.clientId) ?? '').toLowerCase().includes(needle),
    )
    .sort((a, b) => (a.invoice.number < b.invoice.number ? 1 : a.invoice.number > b.invoice.number ? -1 : 0));
  return render(ctx, 200, 'Invoices', '/invoices', invoicesPage(list, search, names, ctx.today));
}

async function invoiceDetail(ctx: Context, number: string): Promise<HttpResponse> {
  const account = await ctx.deps.ledger.getInvoice(number);
  if (!account) return notFound(ctx, `No invoice ${number}.`);
  const name =
    ctx.reference?.clients.find((c) => c.clientId === account.invoice.clientId)?.name ?? account.invoice.clientId;
  const notes = (await ctx.deps.ledger.listCreditNotes()).filter((n) => n.invoiceNumber === number);
  return render(ctx, 200, `Invoice ${number}`, '/invoices', invoicePage(account, name, ctx.today, notes));
}

async function invoiceLine(ctx: Context, number: string, n: number): Promise<HttpResponse> {
  const account = await ctx.deps.ledger.getInvoice(number);
  const line = account?.invoice.lines[n - 1];
  if (!account || !line || !ctx.reference) return notFound(ctx, `No line ${n} on invoice ${number}.`);
  const found = await sourceRows(ctx.deps, ctx.reference, account.invoice, line);
  return render(ctx, 200, `${number}, line ${n}: vendor rows`, '/invoices', sourceRowsPage(account, n, line, found));
}

// ---- actions -----------------------------------------------------------------------------------

/** The Origin the browser sent, when it sent one, must be this console's. */
function sameOrigin(request: HttpRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (request.origin !== undefined) return origin === request.origin;
  const host = request.headers.host;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

async function act(ctx: Context, path: string): Promise<HttpResponse> {
  const actions: Record<string, (ctx: Context, form: FormData) => Promise<HttpResponse>> = {
    '/discrepancies/action': discrepancyAction,
    '/drafts/approve': approveAction,
    '/usage/upload': uploadAction,
  };
  const action = actions[path];
  if (!action) return notFound(ctx);
  if (ctx.user.role !== 'admin')
    return render(
      ctx,
      403,
      'Not allowed',
      '',
      errorBody(ctx, 'Your role is read-only: only an admin can act in the console.'),
    );
  if (!sameOrigin(ctx.request))
    return render(ctx, 403, 'Not allowed', '', errorBody(ctx, 'The form was sent from another site.'));
  const form = parseForm(ctx.request.headers['content-type'], ctx.request.body);
  if (!validCsrf(ctx.key, ctx.user.id, first(form, 'csrf')))
    return render(
      ctx,
      403,
      'Not allowed',
      '',
      errorBody(ctx, 'The form expired or did not come from this console: reload the page and try again.'),
    );
  return action(ctx, form);
}

/** 303 back to `back` (a console path; anything else falls back to `fallback`) with a signed flash. */
function back(ctx: Context, to: string | undefined, fallback: string, text: string, error = false): HttpResponse {
  const target = to && /^\/(?![/\\])[^\s]*$/.test(to) ? to : fallback;
  const url = new URL(target, 'http://console.invalid');
  for (const [k, v] of Object.entries(flashQuery(ctx.key, text, error))) url.searchParams.set(k, v);
  return { status: 303, headers: { ...CONSOLE_HEADERS, location: `${url.pathname}${url.search}` }, body: '' };
}

const refused = (error: unknown): string | undefined =>
  error instanceof ActionError || error instanceof ChargeError || error instanceof ReviewError
    ? error.message
    : undefined;

const DONE: Readonly<Record<string, string>> = {
  ack: 'acknowledged',
  resolve: 'resolved',
  dismiss: 'dismissed',
  bill: 'billed on the next invoice',
  credit: 'credited on the next invoice',
};

async function discrepancyAction(ctx: Context, form: FormData): Promise<HttpResponse> {
  const ids = [...new Set(form.fields.get('id') ?? [])];
  const action = first(form, 'action') ?? '';
  const note = first(form, 'note')?.trim() || undefined;
  const to = first(form, 'back');
  if (!(action in DONE)) return back(ctx, to, '/discrepancies', `Unknown action "${action}".`, true);
  if (ids.length === 0) return back(ctx, to, '/discrepancies', 'Select at least one discrepancy.', true);
  const actor = { id: ctx.user.id, via: 'console' as const };
  const done: string[] = [];
  const problems: string[] = [];
  for (const id of ids) {
    try {
      if (action === 'bill' || action === 'credit')
        await chargeDiscrepancyAudited(ctx.deps, { id, action, today: ctx.today, actor });
      else
        await followUpDiscrepancy(ctx.deps, {
          id,
          status: action === 'ack' ? 'acknowledged' : action === 'resolve' ? 'resolved' : 'dismissed',
          ...(note ? { note } : {}),
          today: ctx.today,
          actor,
        });
      done.push(id);
    } catch (error) {
      const message = refused(error);
      if (message === undefined) throw error;
      problems.push(message);
    }
  }
  const text = [
    done.length > 0
      ? `${done.length} discrepanc${done.length === 1 ? 'y' : 'ies'} ${DONE[action]}: ${done.join(', ')}.`
      : '',
    ...problems,
  ]
    .filter(Boolean)
    .join(' ');
  return back(ctx, to, '/discrepancies', text, problems.length > 0);
}

async function approveAction(ctx: Context, form: FormData): Promise<HttpResponse> {
  const period = first(form, 'period') ?? '';
  const all = first(form, 'all') === '1';
  const clientIds = [...new Set(form.fields.get('client') ?? [])];
  const to = `/drafts?period=${encodeURIComponent(period)}`;
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) return back(ctx, '/drafts', '/drafts', 'Choose a period.', true);
  if (!all && clientIds.length === 0)
    return back(ctx, to, '/drafts', 'Select at least one draft, or approve all.', true);
  try {
    const result = await approveDraftsAudited(ctx.deps, {
      period,
      ...(all ? { all: true } : { clientIds }),
      today: ctx.today,
      actor: { id: ctx.user.id, via: 'console' },
    });
    const numbers = result.approved.map((d) => d.number ?? '');
    const held = result.skippedHeld.length > 0 ? ` ${result.skippedHeld.length} held draft(s) left alone.` : '';
    return back(
      ctx,
      to,
      '/drafts',
      numbers.length > 0
        ? `Approved ${numbers.length} draft(s) of ${period}: ${numbers.join(', ')}.${held}`
        : `No draft of ${period} was approved now.${held}`,
    );
  } catch (error) {
    const message = refused(error);
    if (message === undefined) throw error;
    return back(ctx, to, '/drafts', message, true);
  }
}

async function uploadAction(ctx: Context, form: FormData): Promise<HttpResponse> {
  const file = form.files.find((f) => f.field === 'file');
  const name = file?.filename.split(/[/\\]/).pop()?.trim() ?? '';
  if (!file || name === '') return back(ctx, '/usage', '/usage', 'Choose a file to upload.', true);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name) || name.length > 200)
    return back(ctx, '/usage', '/usage', 'The file name has control characters or is too long: rename the file.', true);
  const { ingested } = await uploadUsageFile(ctx.deps, {
    name,
    body: file.bytes,
    ingest: true,
    today: ctx.today,
    actor: { id: ctx.user.id, via: 'console' },
  });
  const r = ingested?.record;
  const text = !r
    ? `${name} uploaded.`
    : r.duplicateOf
      ? `${r.name} is a duplicate of ${r.duplicateOf}: nothing ingested.`
      : `${r.name} (${r.format ?? 'unreadable'}): ${r.rowsRead} read, ${r.rowsAccepted} accepted, ${r.rowsRejected} rejected, ${r.rowsDuplicate} duplicate.${r.fileError ? ` ${r.fileError}` : ''}`;
  return back(ctx, '/usage', '/usage', text, Boolean(r?.fileError));
}
