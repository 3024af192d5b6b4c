/**
 * Portal links (docs/portal.md): every invoice, credit note, dunning and statement email carries
 * one link to the client's portal, `<portal base>/portal/<client id>?t=<token>`. No password: the
 * token is the key, so it is signed, scoped to ONE client and expires.
 *
 * The token is `<expiry>.<mac>`: the expiry in whole seconds since the epoch (so the link says
 * when it stops working without a lookup), and 128 bits of HMAC-SHA256 under the portal's link
 * key (Secrets Manager on AWS) over the client id and that expiry, base64url. Changing the client
 * id, the expiry or the mac breaks it; so does the clock passing the expiry. The clock is always
 * passed in, so links and checks are deterministic in tests and in `simulate`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Settings } from '../../domain/billing-types.js';
import type { Deps } from '../deps.js';

/** How long a link opens the portal when `portal.linkDays` is not set. */
export const DEFAULT_LINK_DAYS = 30;

const DAY_SECONDS = 86_400;

/** Why a token does not open a client's portal; `ok` when it does. */
export type PortalTokenCheck =
  | { readonly ok: true; readonly expiresAt: Date }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'bad-signature' | 'expired' };

function mac(key: string, clientId: string, expirySeconds: number): string {
  return createHmac('sha256', key)
    .update(`portal:${clientId}:${expirySeconds}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** The token of a client's portal link that works until `expiresAt` (rounded down to the second). */
export function portalLinkToken(key: string, clientId: string, expiresAt: Date): string {
  const expirySeconds = Math.floor(expiresAt.getTime() / 1000);
  return `${expirySeconds}.${mac(key, clientId, expirySeconds)}`;
}

/** Whether `token` opens the portal of `clientId` at `now`; compares the mac in constant time. */
export function verifyPortalLinkToken(
  key: string,
  clientId: string,
  token: string | undefined,
  now: Date,
): PortalTokenCheck {
  if (token === undefined || token === '') return { ok: false, reason: 'missing' };
  const parts = /^(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!parts) return { ok: false, reason: 'malformed' };
  const expirySeconds = Number(parts[1]);
  const expected = Buffer.from(mac(key, clientId, expirySeconds));
  const given = Buffer.from(parts[2] ?? '');
  // Signature first, so a forged expiry is told apart from an honest one that ran out.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad-signature' };
  if (now.getTime() >= expirySeconds * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, expiresAt: new Date(expirySeconds * 1000) };
}

/** The path of a client's portal home (client ids are free text in clients.csv: encoded). */
export function portalPath(clientId: string): string {
  return `/portal/${encodeURIComponent(clientId)}`;
}

export function portalLinkUrl(baseUrl: string, key: string, clientId: string, expiresAt: Date): string {
  return `${baseUrl.replace(/\/+$/, '')}${portalPath(clientId)}?t=${portalLinkToken(key, clientId, expiresAt)}`;
}

/** When a link made at `now` stops working: `days` (default `portal.linkDays`) later. */
export function portalLinkExpiry(settings: Settings, now: Date, days?: number): Date {
  const lifetime = days ?? settings.portal?.linkDays ?? DEFAULT_LINK_DAYS;
  return new Date(now.getTime() + lifetime * DAY_SECONDS * 1000);
}

/**
 * A fresh link to a client's portal: undefined when the portal is off in trueup.json or nothing
 * is wired to serve it (no deps.portal, no base URL).
 */
export async function portalLinkFor(
  deps: Pick<Deps, 'portal'>,
  settings: Settings,
  clientId: string,
  now: Date,
  days?: number,
): Promise<string | undefined> {
  if (!settings.portal || !deps.portal || deps.portal.baseUrl === undefined || deps.portal.baseUrl === '')
    return undefined;
  return portalLinkUrl(
    deps.portal.baseUrl,
    await deps.portal.linkKey(),
    clientId,
    portalLinkExpiry(settings, now, days),
  );
}
