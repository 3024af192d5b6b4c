/** Portal links: signed, scoped to one client, expiring (functions/app/portal/links.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  portalLinkExpiry,
  portalLinkFor,
  portalLinkToken,
  portalLinkUrl,
  verifyPortalLinkToken,
} from '../../../functions/app/portal/links.js';
import { settings } from '../../support/builders.js';

const KEY = 'portal-key';
const NOW = new Date('2026-03-01T12:00:00Z');
const LATER = new Date('2026-03-31T12:00:00Z');

describe('portal link tokens', () => {
  it('open the portal of the client they were made for until they expire', () => {
    const token = portalLinkToken(KEY, 'acme', LATER);
    expect(verifyPortalLinkToken(KEY, 'acme', token, NOW)).toEqual({ ok: true, expiresAt: LATER });
    expect(verifyPortalLinkToken(KEY, 'acme', token, new Date(LATER.getTime() - 1000)).ok).toBe(true);
  });

  it('stop at the expiry, to the second', () => {
    const token = portalLinkToken(KEY, 'acme', LATER);
    expect(verifyPortalLinkToken(KEY, 'acme', token, LATER)).toEqual({ ok: false, reason: 'expired' });
  });

  it("refuse another client's id, another key, a moved expiry and garbage", () => {
    const token = portalLinkToken(KEY, 'acme', LATER);
    expect(verifyPortalLinkToken(KEY, 'globex', token, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyPortalLinkToken('other-key', 'acme', token, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    const [expiry, mac] = token.split('.') as [string, string];
    const pushed = `${Number(expiry) + 86_400 * 365}.${mac}`;
    expect(verifyPortalLinkToken(KEY, 'acme', pushed, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyPortalLinkToken(KEY, 'acme', undefined, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyPortalLinkToken(KEY, 'acme', '', NOW)).toEqual({ ok: false, reason: 'missing' });
    for (const bad of ['abc', `${expiry}`, `${expiry}.${mac}x`, `x${expiry}.${mac}`, `${expiry}.${mac}.1`])
      expect(verifyPortalLinkToken(KEY, 'acme', bad, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a token made for client A never opens client B (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4_000_000_000 }),
        (a, b, expirySeconds) => {
          fc.pre(a !== b);
          const token = portalLinkToken(KEY, a, new Date(expirySeconds * 1000));
          const before = new Date((expirySeconds - 1) * 1000);
          expect(verifyPortalLinkToken(KEY, a, token, before).ok).toBe(true);
          expect(verifyPortalLinkToken(KEY, b, token, before).ok).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any one-character change to a token is refused (property)', () => {
    const token = portalLinkToken(KEY, 'acme', LATER);
    const alphabet = '0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (at, char) => {
        fc.pre(token[at] !== char);
        const changed = token.slice(0, at) + char + token.slice(at + 1);
        expect(verifyPortalLinkToken(KEY, 'acme', changed, NOW).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('portal link URLs', () => {
  it('name the client in the path, encoded, with the token', () => {
    const url = portalLinkUrl('https://portal.example/', KEY, 'a b/c', LATER);
    expect(url).toBe(`https://portal.example/portal/a%20b%2Fc?t=${portalLinkToken(KEY, 'a b/c', LATER)}`);
  });

  it('last portal.linkDays days (30 by default, or the days asked for)', () => {
    expect(portalLinkExpiry(settings(), NOW)).toEqual(LATER);
    expect(portalLinkExpiry(settings({ portal: { linkDays: 7 } }), NOW)).toEqual(new Date('2026-03-08T12:00:00Z'));
    expect(portalLinkExpiry(settings({ portal: { linkDays: 7 } }), NOW, 1)).toEqual(new Date('2026-03-02T12:00:00Z'));
  });

  it('are made only with portal set in trueup.json and the portal wired with a base URL', async () => {
    const portal = { baseUrl: 'http://127.0.0.1:1234', linkKey: () => Promise.resolve(KEY) };
    const on = settings({ portal: { linkDays: 30 } });
    expect(await portalLinkFor({ portal }, on, 'acme', NOW)).toBe(portalLinkUrl(portal.baseUrl, KEY, 'acme', LATER));
    expect(await portalLinkFor({ portal }, settings(), 'acme', NOW)).toBeUndefined();
    expect(await portalLinkFor({}, on, 'acme', NOW)).toBeUndefined();
    expect(await portalLinkFor({ portal: { ...portal, baseUrl: undefined } }, on, 'acme', NOW)).toBeUndefined();
  });
});
