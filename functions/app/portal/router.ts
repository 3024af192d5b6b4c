/**
 * The client portal (docs/portal.md), as a pure request → response function shared by the AWS
 * web API's Lambda and the local web server. Every path is under `/portal/<client id>` and every
 * request carries the link's token (`?t=`, or the form's `t` on a POST):
 *
 * - `GET  /portal/<client>`: the client's home (balance per currency, invoices, credit notes, payments);
 * - `GET  /portal/<client>/invoices/<number>`: one invoice, its Pay button and "Question this invoice";
 * - `GET  /portal/<client>/invoices/<number>/pdf|html`: the invoice as stored when it was delivered;
 * - `GET  /portal/<client>/credit-notes/<number>/pdf|html`: a credit note as stored when issued;
 * - `POST /portal/<client>/invoices/<number>/question`: marks it disputed, emails the billing team once.
 *
 * Rules: the token must be signed for the client in the path and not expired (403 otherwise,
 * naming nothing); a document of another client answers 404 exactly like an unknown one; the
 * portal answers 404 everywhere unless `portal` is set in trueup.json and deps.portal is wired;
 * a POST must come from the portal's own origin (Origin header) as well as carry the token;
 * every request counts against a per-token and a per-IP limit (rate-limit.ts), 429 past it.
 */
import { dateInZone, daysBetween, type IsoDate } from '../../domain/dates.js';
import type { Client, CreditNote, ReferenceData, Settings } from '../../domain/billing-types.js';
import { invoiceBalance } from '../../domain/invoice-balance.js';
import { ZERO, type Dec } from '../../domain/money.js';
import {
  badRequestPage,
  expiredPortalPage,
  forbiddenPortalPage,
  portalHomePage,
  portalInvoicePage,
  portalNotFoundPage,
  tooManyRequestsPage,
  type PortalBalance,
  type PortalCreditNoteRow,
  type PortalInvoiceRow,
  type PortalPage,
  type PortalPaymentRow,
} from '../../render/portal/pages.js';
import { creditNoteKey, invoiceKey } from '../bucket-layout.js';
import type { Deps } from '../deps.js';
import type { HttpRequest, HttpResponse, PortalRoute } from '../http-types.js';
import { payLinkFor } from '../pay-links.js';
import type { LedgerInvoice } from '../ports.js';
import { portalPath, verifyPortalLinkToken } from './links.js';
import { cleanQuestion, questionInvoice } from './question-invoice.js';
import { PortalRateLimiter } from './rate-limit.js';

/** Security headers of every page: never cached, never framed, no scripts, nothing fetched elsewhere. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The token is in the URL: it may go to our own pages (the POST's Origin needs it), never elsewhere.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
} as const;

/** A stored invoice or credit note as rendered: its own inline styles and data: logo, nothing else, no forms. */
const DOCUMENT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The longest form body read (a question of 2,000 characters, URL-encoded, with room to spare). */
const MAX_BODY_BYTES = 32 * 1024;

export interface PortalOptions {
  /** The clock tokens are checked against and "today" is taken from. */
  readonly now?: () => Date;
  readonly limiter?: PortalRateLimiter;
}

/** One limiter per process (docs/portal.md, rate limits): what `handlePortalRequest` counts with. */
const processLimiter = new PortalRateLimiter();

export function handlePortalRequest(deps: Deps, request: HttpRequest): Promise<HttpResponse> {
  return portalRequest(deps, request, { limiter: processLimiter });
}

/** The portal as a PortalRoute for the web servers, with its own clock and limiter when given. */
export function portalRoute(deps: Deps, options: PortalOptions = {}): PortalRoute {
  const limiter = options.limiter ?? new PortalRateLimiter();
  return (request) => portalRequest(deps, request, { ...options, limiter });
}

type Route =
  | { readonly kind: 'home' }
  | { readonly kind: 'invoice'; readonly number: string }
  | { readonly kind: 'invoice-file'; readonly number: string; readonly format: 'pdf' | 'html' }
  | { readonly kind: 'question'; readonly number: string }
  | { readonly kind: 'credit-note-file'; readonly number: string; readonly format: 'pdf' | 'html' };

function parsePath(path: string): { clientId: string; route: Route } | undefined {
  const match = /^\/portal\/([^/]+)(?:\/(invoices|credit-notes)\/([^/]+)(?:\/(pdf|html|question))?)?\/?$/.exec(path);
  if (!match) return undefined;
  const clientId = safeDecode(match[1]!);
  if (clientId === undefined || clientId === '') return undefined;
  if (match[2] === undefined) return { clientId, route: { kind: 'home' } };
  const number = safeDecode(match[3]!);
  if (number === undefined) return undefined;
  const action = match[4];
  if (match[2] === 'credit-notes')
    return action === 'pdf' || action === 'html'
      ? { clientId, route: { kind: 'credit-note-file', number, format: action } }
      : undefined;
  if (action === undefined) return { clientId, route: { kind: 'invoice', number } };
  if (action === 'question') return { clientId, route: { kind: 'question', number } };
  return action === 'pdf' || action === 'html'
    ? { clientId, route: { kind: 'invoice-file', number, format: action } }
    : undefined;
}

async function portalRequest(
  deps: Deps,
  request: HttpRequest,
  options: PortalOptions & { limiter: PortalRateLimiter },
): Promise<HttpResponse> {
  const now = (options.now ?? (() => new Date()))();
  const reference = await deps.ledger.loadReferenceData();
  const settings = reference?.settings;
  if (!reference || !settings?.portal || !deps.portal) return html(portalNotFoundPage(settings));

  const isPost = request.method === 'POST';
  const form = isPost ? readForm(request) : undefined;
  if (form === 'too-large') return html(badRequestPage(settings, 413, 'The form sent is too large.'));
  const token = request.query.t ?? form?.get('t') ?? undefined;

  const decision = options.limiter.hit({ token, sourceIp: request.sourceIp }, now.getTime());
  if (!decision.allowed) {
    const page = html(tooManyRequestsPage(settings));
    return { ...page, headers: { ...page.headers, 'retry-after': String(decision.retryAfterSeconds) } };
  }

  const parsed = parsePath(request.path);
  if (!parsed) return html(portalNotFoundPage(settings));
  const { clientId, route } = parsed;

  const check = verifyPortalLinkToken(await deps.portal.linkKey(), clientId, token, now);
  if (!check.ok) return html(check.reason === 'expired' ? expiredPortalPage(settings) : forbiddenPortalPage(settings));
  const client = reference.clients.find((c) => c.clientId === clientId);
  if (!client) return html(portalNotFoundPage(settings));

  const wantsPost = route.kind === 'question';
  if (wantsPost !== isPost) {
    const page = html(portalNotFoundPage(settings));
    return { ...page, status: 405, headers: { ...page.headers, allow: wantsPost ? 'POST' : 'GET, HEAD' } };
  }
  if (!isPost && request.method !== 'GET' && request.method !== 'HEAD') return html(portalNotFoundPage(settings));
  if (isPost && !sameOrigin(request, deps.portal.baseUrl))
    return html(badRequestPage(settings, 403, 'This form can only be sent from the portal page itself.'));

  const ctx: Context = { deps, reference, settings, client, token: token!, expiresAt: check.expiresAt, now };
  switch (route.kind) {
    case 'home':
      return home(ctx);
    case 'invoice':
      return invoicePage(ctx, route.number, request.query.questioned === '1');
    case 'invoice-file':
      return invoiceFile(ctx, route.number, route.format);
    case 'credit-note-file':
      return creditNoteFile(ctx, route.number, route.format);
    case 'question':
      return question(ctx, route.number, form instanceof URLSearchParams ? (form.get('reason') ?? '') : '');
  }
}

interface Context {
  readonly deps: Deps;
  readonly reference: ReferenceData;
  readonly settings: Settings;
  readonly client: Client;
  readonly token: string;
  readonly expiresAt: Date;
  readonly now: Date;
}

const today = (ctx: Context): IsoDate => dateInZone(ctx.now, ctx.settings.timezone);

/** A path of this client's portal with the token, for links on the pages. */
function href(ctx: Context, tail = '', extra = ''): string {
  return `${portalPath(ctx.client.clientId)}${tail}?t=${encodeURIComponent(ctx.token)}${extra}`;
}

const invoiceTail = (number: string): string => `/invoices/${encodeURIComponent(number)}`;

/** The client's invoices, issued up to today (a document dated later is not shown yet). */
async function invoicesOf(ctx: Context): Promise<LedgerInvoice[]> {
  const day = today(ctx);
  return (await ctx.deps.ledger.listInvoices())
    .filter((a) => a.invoice.clientId === ctx.client.clientId && a.invoice.issueDate <= day)
    .sort((a, b) => (a.invoice.number < b.invoice.number ? 1 : a.invoice.number > b.invoice.number ? -1 : 0));
}

/** The client's invoice by number; undefined for an unknown number and for another client's alike. */
async function invoiceOf(ctx: Context, number: string): Promise<LedgerInvoice | undefined> {
  const account = await ctx.deps.ledger.getInvoice(number);
  if (!account || account.invoice.clientId !== ctx.client.clientId || account.invoice.issueDate > today(ctx))
    return undefined;
  return account;
}

async function invoiceRow(ctx: Context, account: LedgerInvoice): Promise<PortalInvoiceRow> {
  const { invoice } = account;
  const day = today(ctx);
  const b = invoiceBalance(account, day);
  const open = b.status !== 'void' && b.balance.greaterThan(0);
  const payUrl = open ? await payLinkFor(ctx.deps, ctx.settings, invoice) : undefined;
  return {
    number: invoice.number,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    total: invoice.total,
    balance: b.balance,
    status: b.status,
    ...(b.paidOn ? { paidOn: b.paidOn } : {}),
    disputed: account.disputedOn !== undefined,
    daysOverdue: daysBetween(invoice.dueDate, day),
    href: href(ctx, invoiceTail(invoice.number)),
    ...(payUrl ? { payUrl } : {}),
  };
}

async function home(ctx: Context): Promise<HttpResponse> {
  const { deps, client } = ctx;
  const accounts = await invoicesOf(ctx);
  const rows = await Promise.all(accounts.map((a) => invoiceRow(ctx, a)));
  const openRows = rows.filter((r) => r.status !== 'void' && r.balance.greaterThan(0));
  const closedRows = rows.filter((r) => !openRows.includes(r));
  const credits = await deps.ledger.clientCredits(client.clientId);
  const day = today(ctx);
  const notes = (await deps.ledger.listCreditNotes())
    .filter((n) => n.clientId === client.clientId && n.issueDate <= day)
    .sort((a, b) => (a.number < b.number ? 1 : a.number > b.number ? -1 : 0));
  const creditNotes = await Promise.all(notes.map((n) => creditNoteRow(ctx, n)));
  const payments: PortalPaymentRow[] = accounts
    .flatMap((a) =>
      a.payments
        .filter((p) => p.creditNote === undefined && p.receivedOn <= day)
        .map((p) => ({
          paymentId: p.paymentId,
          invoiceNumber: a.invoice.number,
          receivedOn: p.receivedOn,
          currency: a.invoice.currency,
          amount: p.amount,
        })),
    )
    .sort((a, b) => (a.receivedOn < b.receivedOn ? 1 : a.receivedOn > b.receivedOn ? -1 : 0));

  const currencies = [...new Set([...openRows.map((r) => r.currency), ...credits.map((c) => c.currency)])].sort();
  const sum = (values: Dec[]): Dec => values.reduce((t, v) => t.plus(v), ZERO);
  const balances: PortalBalance[] = currencies.map((currency) => {
    const open = sum(openRows.filter((r) => r.currency === currency).map((r) => r.balance));
    const credit = sum(credits.filter((c) => c.currency === currency).map((c) => c.amount));
    return { currency, open, credit, balance: open.minus(credit) };
  });
  return html(
    portalHomePage({
      settings: ctx.settings,
      clientName: client.name,
      today: day,
      expiresAt: ctx.expiresAt,
      balances,
      openInvoices: openRows,
      closedInvoices: closedRows,
      creditNotes,
      payments,
    }),
  );
}

async function creditNoteRow(ctx: Context, note: CreditNote): Promise<PortalCreditNoteRow> {
  const tail = `/credit-notes/${encodeURIComponent(note.number)}`;
  const [pdf, page] = await Promise.all([
    stored(ctx, creditNoteKey(note.number, 'pdf')),
    stored(ctx, creditNoteKey(note.number, 'html')),
  ]);
  return {
    number: note.number,
    invoiceNumber: note.invoiceNumber,
    issueDate: note.issueDate,
    currency: note.currency,
    total: note.total,
    reason: note.reason,
    ...(pdf ? { pdfHref: href(ctx, `${tail}/pdf`) } : {}),
    ...(page ? { htmlHref: href(ctx, `${tail}/html`) } : {}),
  };
}

async function invoicePage(ctx: Context, number: string, justQuestioned: boolean): Promise<HttpResponse> {
  const account = await invoiceOf(ctx, number);
  if (!account) return html(portalNotFoundPage(ctx.settings));
  const { invoice } = account;
  const row = await invoiceRow(ctx, account);
  const b = invoiceBalance(account, today(ctx));
  const tail = invoiceTail(invoice.number);
  const [pdf, page] = await Promise.all([
    stored(ctx, invoiceKey(invoice.number, 'pdf')),
    stored(ctx, invoiceKey(invoice.number, 'html')),
  ]);
  const questionable = row.status !== 'void' && row.balance.greaterThan(0);
  return html(
    portalInvoicePage({
      settings: ctx.settings,
      clientName: ctx.client.name,
      row,
      period: invoice.period,
      lines: invoice.lines.map((l) => ({ description: l.description, amount: l.amount })),
      subtotal: invoice.subtotal,
      tax: invoice.tax,
      paid: b.paid,
      credited: b.credited,
      homeHref: href(ctx),
      ...(pdf ? { pdfHref: href(ctx, `${tail}/pdf`) } : {}),
      ...(page ? { htmlHref: href(ctx, `${tail}/html`) } : {}),
      ...(questionable ? { questionAction: href(ctx, `${tail}/question`) } : {}),
      token: ctx.token,
      ...(account.disputedOn ? { disputedOn: account.disputedOn } : {}),
      justQuestioned,
    }),
  );
}

async function invoiceFile(ctx: Context, number: string, format: 'pdf' | 'html'): Promise<HttpResponse> {
  const account = await invoiceOf(ctx, number);
  if (!account) return html(portalNotFoundPage(ctx.settings));
  return storedDocument(ctx, invoiceKey(account.invoice.number, format), account.invoice.number, format);
}

async function creditNoteFile(ctx: Context, number: string, format: 'pdf' | 'html'): Promise<HttpResponse> {
  const note = await ctx.deps.ledger.getCreditNote(number);
  if (!note || note.clientId !== ctx.client.clientId || note.issueDate > today(ctx))
    return html(portalNotFoundPage(ctx.settings));
  return storedDocument(ctx, creditNoteKey(note.number, format), note.number, format);
}

/** Whether a document is stored (one listing of its exact key: the BlobStore port has no head). */
async function stored(ctx: Context, key: string): Promise<boolean> {
  return (await ctx.deps.artifacts.list(key)).includes(key);
}

/** A document as stored in the artifacts bucket: the PDF as base64 bytes, the HTML under its own CSP. */
async function storedDocument(
  ctx: Context,
  key: string,
  number: string,
  format: 'pdf' | 'html',
): Promise<HttpResponse> {
  const bytes = await ctx.deps.artifacts.get(key);
  if (!bytes) return html(portalNotFoundPage(ctx.settings));
  const common = {
    'cache-control': 'private, no-store',
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': DOCUMENT_CSP,
  };
  if (format === 'html')
    return {
      status: 200,
      headers: { ...common, 'content-type': 'text/html; charset=utf-8' },
      body: Buffer.from(bytes).toString('utf8'),
    };
  return {
    status: 200,
    headers: {
      ...common,
      'content-type': 'application/pdf',
      'content-disposition': `inline; filename="${number.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf"`,
    },
    body: Buffer.from(bytes).toString('base64'),
    isBase64Encoded: true,
  };
}

async function question(ctx: Context, number: string, rawReason: string): Promise<HttpResponse> {
  const account = await invoiceOf(ctx, number);
  if (!account) return html(portalNotFoundPage(ctx.settings));
  const reason = cleanQuestion(rawReason);
  if (reason === '') return html(badRequestPage(ctx.settings, 400, 'Please say what is wrong with the invoice.'));
  const b = invoiceBalance(account, today(ctx));
  if (b.status === 'void' || b.balance.lessThanOrEqualTo(0))
    return html(badRequestPage(ctx.settings, 409, 'This invoice is settled; please email us instead.'));
  await questionInvoice(ctx.deps, ctx.reference, ctx.client, account, reason, today(ctx));
  // Post/redirect/get: a reload shows the page, it does not send the form again.
  return {
    status: 303,
    headers: { ...PAGE_HEADERS, location: href(ctx, invoiceTail(account.invoice.number), '&questioned=1') },
    body: '',
  };
}

/**
 * A form POST must come from the portal's own pages: its Origin is the portal's base URL, the
 * origin the request reached, or its Host. A request without Origin (not a browser form) is refused.
 */
function sameOrigin(request: HttpRequest, baseUrl: string | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return false;
  const allowed = new Set<string>();
  for (const candidate of [baseUrl, request.origin]) {
    if (!candidate) continue;
    try {
      allowed.add(new URL(candidate).origin);
    } catch {
      // not a URL: nothing to compare with
    }
  }
  const host = request.headers.host;
  if (host) {
    allowed.add(`http://${host}`);
    allowed.add(`https://${host}`);
  }
  return allowed.has(origin);
}

function readForm(request: HttpRequest): URLSearchParams | 'too-large' {
  if (Buffer.byteLength(request.body, 'utf8') > MAX_BODY_BYTES) return 'too-large';
  return new URLSearchParams(request.body);
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function html(page: PortalPage): HttpResponse {
  return { status: page.status, headers: PAGE_HEADERS, body: page.html };
}
