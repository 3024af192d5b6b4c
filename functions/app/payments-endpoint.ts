/**
 * The payments endpoint (docs/payments.md), as a pure request → response function shared by the
 * Lambda Function URL handler and the local endpoint server:
 *
 * - `POST /webhooks/stripe`: the provider's webhook (provider-events.ts);
 * - `GET /pay/<number>?t=…[&method=…]`: a Pay link (checkout.ts);
 * - `GET /paid/<number>`, `GET /cancelled/<number>[?t=…]`: where the hosted checkout returns.
 *
 * Everything else is 404. Pages are never cached and never send a Referer (the link's token is
 * in its URL); the webhook answers JSON.
 */
import type { Settings } from '../domain/billing-types.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import {
  cancelledPage,
  checkoutErrorPage,
  forbiddenPage,
  invoicePaidPage,
  invoiceVoidPage,
  methodChoicePage,
  notFoundPage,
  thankYouPage,
  unavailablePage,
  unknownInvoicePage,
  type PaymentPage,
} from '../render/payment-pages.js';
import { openPayLink, type CheckoutDeps } from './checkout.js';
import { endpointBase, payLinkUrl, verifyPayLinkToken } from './pay-links.js';
import { handleWebhookDelivery, MAX_WEBHOOK_BYTES, type ProviderEventDeps } from './provider-events.js';

export type PaymentsEndpointDeps = ProviderEventDeps & CheckoutDeps;

/** The endpoint's request and response: the shared HTTP shapes (http-types.ts). */
export type PaymentsRequest = HttpRequest;
export type PaymentsResponse = HttpResponse;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
} as const;

export const WEBHOOK_PATH = '/webhooks/stripe';

export async function handlePaymentsRequest(
  deps: PaymentsEndpointDeps,
  request: PaymentsRequest,
): Promise<PaymentsResponse> {
  const route = /^\/(pay|paid|cancelled)\/([^/]+)$/.exec(request.path);
  if (request.path === WEBHOOK_PATH) {
    if (request.method !== 'POST') return json(405, { error: 'POST only' }, { allow: 'POST' });
    return webhook(deps, request);
  }
  if (!route) return html(notFoundPage(await senderOf(deps)));
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return { ...html(notFoundPage(await senderOf(deps))), status: 405 };
  const number = safeDecode(route[2]!);
  if (number === undefined) return html(notFoundPage(await senderOf(deps)));
  switch (route[1]) {
    case 'pay':
      return payLink(deps, request, number);
    case 'paid':
      return html(thankYouPage(await senderOf(deps), number));
    default:
      return cancelled(deps, request, number);
  }
}

async function webhook(deps: PaymentsEndpointDeps, request: PaymentsRequest): Promise<PaymentsResponse> {
  if (Buffer.byteLength(request.body, 'utf8') > MAX_WEBHOOK_BYTES) return json(413, { error: 'payload too large' });
  const reference = await deps.ledger.loadReferenceData();
  if (!reference?.settings.payments) return json(404, { error: 'payments are off' });
  const answer = await handleWebhookDelivery(deps, {
    payload: request.body,
    signature: request.headers['stripe-signature'],
  });
  return answer.status === 200
    ? json(200, { received: true, outcome: answer.outcome })
    : json(answer.status, { error: answer.outcome });
}

async function payLink(
  deps: PaymentsEndpointDeps,
  request: PaymentsRequest,
  number: string,
): Promise<PaymentsResponse> {
  let outcome;
  try {
    outcome = await openPayLink(deps, {
      number,
      token: request.query.t,
      ...(request.query.method ? { method: request.query.method } : {}),
      ...(request.origin ? { origin: request.origin } : {}),
    });
  } catch (error) {
    deps.log.warn('payment page could not be opened', { number, error: (error as Error).message });
    return html(checkoutErrorPage(await senderOf(deps)));
  }
  switch (outcome.kind) {
    case 'unavailable':
      return html(unavailablePage(outcome.settings));
    case 'forbidden':
      return html(forbiddenPage(outcome.settings));
    case 'unknown':
      return html(unknownInvoicePage(outcome.settings, number));
    case 'paid':
      return html(invoicePaidPage(outcome.settings, number));
    case 'void':
      return html(invoiceVoidPage(outcome.settings, number));
    case 'choose':
      return html(methodChoicePage({ ...outcome, number }));
    case 'redirect':
      return { status: 303, headers: { ...PAGE_HEADERS, location: outcome.url }, body: '' };
  }
}

/** The cancel page links back to the Pay link, but only for a caller who holds its token. */
async function cancelled(
  deps: PaymentsEndpointDeps,
  request: PaymentsRequest,
  number: string,
): Promise<PaymentsResponse> {
  const settings = (await deps.ledger.loadReferenceData())?.settings;
  let back: string | undefined;
  if (settings?.payments && deps.payments && request.query.t) {
    const key = await deps.payments.linkKey();
    if (verifyPayLinkToken(key, number, request.query.t))
      back = payLinkUrl(endpointBase(settings, deps.payments.endpointUrl, request.origin), key, number);
  }
  return html(cancelledPage(settings, number, back));
}

async function senderOf(deps: PaymentsEndpointDeps): Promise<Settings | undefined> {
  return (await deps.ledger.loadReferenceData())?.settings;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function html(page: PaymentPage): PaymentsResponse {
  return { status: page.status, headers: PAGE_HEADERS, body: page.html };
}

function json(status: number, body: unknown, extra: Record<string, string> = {}): PaymentsResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
    body: JSON.stringify(body),
  };
}
