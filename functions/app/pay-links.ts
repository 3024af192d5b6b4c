/**
 * Pay links (docs/payments.md): every document carries one stable link per invoice,
 * `<payments endpoint>/pay/<invoice number>?t=<token>`, that never expires. Opening it makes (or
 * reuses) a hosted payment page for the balance open at that moment, so a link in a three-month-old
 * PDF still asks for the right amount and a paid invoice says so instead of taking money twice.
 *
 * The token is an HMAC of the invoice number under the link key (Secrets Manager on AWS): a
 * number alone does not open anything, and one invoice's token opens no other.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Settings } from '../domain/billing-types.js';
import type { Dec } from '../domain/money.js';
import type { Deps } from './deps.js';

/** The token of an invoice's Pay link: 128 bits of HMAC-SHA256, base64url. */
export function payLinkToken(key: string, invoiceNumber: string): string {
  return createHmac('sha256', key).update(`pay:${invoiceNumber}`).digest().subarray(0, 16).toString('base64url');
}

export function verifyPayLinkToken(key: string, invoiceNumber: string, token: string | undefined): boolean {
  if (token === undefined) return false;
  const expected = Buffer.from(payLinkToken(key, invoiceNumber));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function payLinkUrl(baseUrl: string, key: string, invoiceNumber: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/pay/${encodeURIComponent(invoiceNumber)}?t=${payLinkToken(key, invoiceNumber)}`;
}

/**
 * The Pay link of an invoice: undefined when payments are off in trueup.json, when nothing is
 * wired to take them (no provider, no endpoint URL) or when the invoice asks for no money.
 */
export async function payLinkFor(
  deps: Pick<Deps, 'payments'>,
  settings: Settings,
  invoice: { readonly number: string; readonly total: Dec },
): Promise<string | undefined> {
  if (!settings.payments || !deps.payments || invoice.total.lessThanOrEqualTo(0)) return undefined;
  const base = endpointBase(settings, deps.payments.endpointUrl, undefined);
  if (base === '') return undefined;
  return payLinkUrl(base, await deps.payments.linkKey(), invoice.number);
}

/** Where the payments endpoint is reached: `payments.publicUrl`, else the wired URL, else the request's origin. */
export function endpointBase(settings: Settings, endpointUrl: string | undefined, origin: string | undefined): string {
  return (settings.payments?.publicUrl ?? endpointUrl ?? origin ?? '').replace(/\/+$/, '');
}
