/**
 * The web API's Lambda handler: console requests need a valid Cognito ID token in the cookie and
 * a group (admin → admin, read-only → viewer, neither → 403); anything else goes to the managed
 * login; the portal never asks for a sign-in; the code exchange runs against a fake token
 * endpoint on 127.0.0.1. Tokens are signed with an RSA key made here, its JWKS put in the
 * verifier's cache (nothing is fetched from Cognito).
 */
import { createHash, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWebHandler,
  ID_COOKIE,
  LOGIN_COOKIE,
  parseCookies,
  type HttpApiResult,
  type WebAuthOptions,
} from '../../../functions/adapters/aws/web-handler.js';
import type { Deps } from '../../../functions/app/deps.js';
import { silentLogger } from '../../../functions/app/deps.js';
import type { HttpRequest, HttpResponse } from '../../../functions/app/http-types.js';
import type { Jwks } from 'aws-jwt-verify/jwk';

const POOL = 'us-east-1_TestPool1';
const CLIENT = 'testclient123';
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const BASE = 'https://d111111abcdef8.cloudfront.net';
const KID = 'test-key-1';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwks = {
  keys: [{ ...(publicKey.export({ format: 'jwk' }) as object), kid: KID, alg: 'RS256', use: 'sig' }],
} as unknown as Jwks;

function sign(claims: Record<string, unknown>, key: KeyObject = privateKey): string {
  const enc = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${enc({ alg: 'RS256', kid: KID, typ: 'JWT' })}.${enc(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
  return `${input}.${signature}`;
}

function idToken(extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return sign({
    sub: 'b5e1c9a0-0000-4000-8000-000000000001',
    iss: ISSUER,
    aud: CLIENT,
    token_use: 'id',
    auth_time: now,
    iat: now,
    exp: now + 3600,
    'cognito:username': 'b5e1c9a0-0000-4000-8000-000000000001',
    email: 'ana@msp.example',
    ...extra,
  });
}

/** The deps handed to the routes: a marker, to see the factories got them. */
const deps = { log: silentLogger, marker: 'the-deps' } as unknown as Deps;
const seen: { console: { request: HttpRequest; user: unknown; deps: unknown }[]; portal: HttpRequest[] } = {
  console: [],
  portal: [],
};

function handlerWith(auth: Partial<WebAuthOptions> = {}) {
  return createWebHandler({
    deps,
    auth: {
      userPoolId: POOL,
      clientId: CLIENT,
      domainUrl: 'https://trueup.auth.us-east-1.amazoncognito.com',
      baseUrl: BASE,
      jwks,
      ...auth,
    },
    consoleRoute: (d) => async (request, user) => {
      seen.console.push({ request, user, deps: (d as unknown as { marker: string }).marker });
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, path: request.path }),
      };
    },
    portalRoute:
      () =>
      async (request): Promise<HttpResponse> => {
        seen.portal.push(request);
        if (request.path.endsWith('.pdf'))
          return {
            status: 200,
            headers: { 'content-type': 'application/pdf' },
            body: PDF_BYTES.toString('base64'),
            isBase64Encoded: true,
          };
        return {
          status: 200,
          headers: { 'content-type': 'text/html', 'set-cookie': 'p=1; Path=/portal' },
          body: 'portal page',
        };
      },
  });
}

function event(
  path: string,
  options: {
    method?: string;
    cookies?: string[];
    query?: string;
    body?: string;
    base64?: boolean;
    headers?: Record<string, string>;
  } = {},
) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: {
      Host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'X-Forwarded-Host': 'd111111abcdef8.cloudfront.net',
      ...options.headers,
    },
    ...(options.cookies ? { cookies: options.cookies } : {}),
    ...(options.body === undefined ? {} : { body: options.body, isBase64Encoded: options.base64 ?? false }),
    requestContext: {
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      http: { method: options.method ?? 'GET', path, sourceIp: '203.0.113.9' },
    },
  };
}

/** Binary bytes that are not valid UTF-8: they survive only as base64. */
const PDF_BYTES = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0x00, 0xff, 0xfe, 0x80])]);

const signedIn = (token: string): string[] => [`${ID_COOKIE}=${token}`];

function expectLoginRedirect(result: HttpApiResult): URL {
  expect(result.statusCode).toBe(302);
  const location = new URL(result.headers.location!);
  expect(`${location.origin}${location.pathname}`).toBe(
    'https://trueup.auth.us-east-1.amazoncognito.com/oauth2/authorize',
  );
  expect(location.searchParams.get('client_id')).toBe(CLIENT);
  expect(location.searchParams.get('redirect_uri')).toBe(`${BASE}/auth/callback`);
  expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  return location;
}

describe('console requests', () => {
  const handler = handlerWith();

  it('gives an admin-group user the admin role, the e-mail as id, and the request as sent', async () => {
    const result = await handler(
      event('/invoices', {
        cookies: [...signedIn(idToken({ 'cognito:groups': ['admin', 'read-only'] })), 'other=1'],
        query: 'q=INV-1&status=open',
      }),
    );
    expect(result.statusCode).toBe(200);
    const last = seen.console.at(-1)!;
    expect(last.user).toEqual({ id: 'ana@msp.example', role: 'admin' });
    expect(last.deps).toBe('the-deps');
    expect(last.request).toMatchObject({
      method: 'GET',
      path: '/invoices',
      query: { q: 'INV-1', status: 'open' },
      origin: BASE,
      sourceIp: '203.0.113.9',
    });
    expect(last.request.headers.host).toBe('abc123.execute-api.us-east-1.amazonaws.com');
    expect(last.request.headers.cookie).toContain('other=1');
  });

  it('gives a read-only user the viewer role, the username as id without an e-mail, and a decoded base64 body', async () => {
    const result = await handler(
      event('/discrepancies/ack', {
        method: 'post',
        cookies: signedIn(idToken({ 'cognito:groups': ['read-only'], email: undefined, 'cognito:username': 'bob' })),
        body: Buffer.from('note=é ok').toString('base64'),
        base64: true,
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ user: { id: 'bob', role: 'viewer' }, path: '/discrepancies/ack' });
    expect(seen.console.at(-1)!.request).toMatchObject({ method: 'POST', body: 'note=é ok' });
  });

  it('answers 403 to a signed-in user in neither group, without calling the console', async () => {
    const before = seen.console.length;
    const result = await handler(event('/', { cookies: signedIn(idToken({ 'cognito:groups': ['billing'] })) }));
    expect(result.statusCode).toBe(403);
    expect(result.body).toContain('neither the admin nor the read-only group');
    expect(seen.console.length).toBe(before);
  });

  it('sends a request without a token to the managed login, remembering where it was going', async () => {
    const result = await handler(event('/aging'));
    const location = expectLoginRedirect(result);
    const login = parseCookies(result.cookies!.join('; '))[LOGIN_COOKIE]!;
    const [state, verifier, returnTo] = login.split('.');
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('code_challenge')).toBe(
      createHash('sha256').update(verifier!).digest('base64url'),
    );
    expect(Buffer.from(returnTo!, 'base64url').toString()).toBe('/aging');
    expect(result.cookies![0]).toMatch(/; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
  });

  it.each([
    ['expired', () => idToken({ 'cognito:groups': ['admin'], exp: Math.floor(Date.now() / 1000) - 60 })],
    [
      'signed with another key',
      () =>
        sign(
          { ...JSON.parse(Buffer.from(idToken().split('.')[1]!, 'base64url').toString()), 'cognito:groups': ['admin'] },
          other.privateKey,
        ),
    ],
    [
      'tampered (group added after signing)',
      () => {
        const [h, , s] = idToken({ 'cognito:groups': ['read-only'] }).split('.');
        const claims = JSON.parse(
          Buffer.from(idToken({ 'cognito:groups': ['read-only'] }).split('.')[1]!, 'base64url').toString(),
        );
        return `${h}.${Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admin'] })).toString('base64url')}.${s}`;
      },
    ],
    ['for another app client', () => idToken({ 'cognito:groups': ['admin'], aud: 'someoneelse' })],
    ['an access token', () => idToken({ 'cognito:groups': ['admin'], token_use: 'access' })],
    [
      'from another pool',
      () =>
        idToken({ 'cognito:groups': ['admin'], iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }),
    ],
    ['not a JWT', () => 'garbage'],
  ])('sends a request whose token is %s to the managed login', async (_, token) => {
    const before = seen.console.length;
    const result = await handler(event('/', { cookies: signedIn(token()) }));
    expectLoginRedirect(result);
    expect(seen.console.length).toBe(before);
  });

  it('does not return to another site after login', async () => {
    const result = await handler(event('//evil.example/x'));
    const login = parseCookies(result.cookies!.join('; '))[LOGIN_COOKIE]!;
    expect(Buffer.from(login.split('.')[2]!, 'base64url').toString()).toBe('/');
  });
});

describe('portal requests', () => {
  const handler = handlerWith();

  it('never asks for a sign-in, and passes the response (and its cookie) back', async () => {
    const before = seen.console.length;
    const result = await handler(event('/portal/c/abc.def', { query: 't=tok' }));
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/html' },
      body: 'portal page',
      isBase64Encoded: false,
      cookies: ['p=1; Path=/portal'],
    });
    expect(seen.portal.at(-1)).toMatchObject({
      path: '/portal/c/abc.def',
      query: { t: 'tok' },
      sourceIp: '203.0.113.9',
    });
    expect(seen.console.length).toBe(before);
  });

  it('passes a PDF through as base64', async () => {
    const result = await handler(event('/portal/c/abc/invoices/INV-1.pdf'));
    expect(result.isBase64Encoded).toBe(true);
    expect(result.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(result.body, 'base64').equals(PDF_BYTES)).toBe(true);
  });

  it('takes the origin from the API domain when no forwarded host is given', async () => {
    await handler({ ...event('/portal/x'), headers: {} });
    expect(seen.portal.at(-1)!.origin).toBe('https://abc123.execute-api.us-east-1.amazonaws.com');
  });
});

describe('sign-in callback and sign-out', () => {
  let server: Server;
  let tokenUrl: string;
  const exchanges: URLSearchParams[] = [];
  let answer: () => { status: number; body: unknown } = () => ({ status: 200, body: {} });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (
          req.method !== 'POST' ||
          req.url !== '/oauth2/token' ||
          req.headers['content-type'] !== 'application/x-www-form-urlencoded'
        ) {
          res.writeHead(404).end();
          return;
        }
        exchanges.push(new URLSearchParams(body));
        const { status, body: out } = answer();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function startLogin(handler: ReturnType<typeof handlerWith>, path = '/drafts') {
    const result = await handler(event(path));
    const login = parseCookies(result.cookies!.join('; '))[LOGIN_COOKIE]!;
    return { login, state: login.split('.')[0]!, verifier: login.split('.')[1]! };
  }

  it('exchanges the code with PKCE, sets the ID token cookie and returns to where the login started', async () => {
    const handler = handlerWith({ domainUrl: tokenUrl });
    const token = idToken({ 'cognito:groups': ['admin'] });
    answer = () => ({
      status: 200,
      body: { id_token: token, access_token: 'a', refresh_token: 'r', expires_in: 3600, token_type: 'Bearer' },
    });
    const { login, state, verifier } = await startLogin(handler);

    const result = await handler(
      event('/auth/callback', { query: `code=the-code&state=${state}`, cookies: [`${LOGIN_COOKIE}=${login}`] }),
    );

    expect(Object.fromEntries(exchanges.at(-1)!)).toEqual({
      grant_type: 'authorization_code',
      client_id: CLIENT,
      code: 'the-code',
      redirect_uri: `${BASE}/auth/callback`,
      code_verifier: verifier,
    });
    expect(result.statusCode).toBe(302);
    expect(result.headers.location).toBe('/drafts');
    expect(result.cookies![0]).toMatch(
      new RegExp(
        `^${ID_COOKIE}=${token.replace(/\./g, '\\.')}; Path=/; Max-Age=(359\\d|3600); HttpOnly; Secure; SameSite=Lax$`,
      ),
    );
    expect(result.cookies![1]).toMatch(new RegExp(`^${LOGIN_COOKIE}=; Path=/; Max-Age=0;`));
    // The cookie it set signs the next request in.
    const next = await handler(event('/drafts', { cookies: [`${ID_COOKIE}=${token}`] }));
    expect(JSON.parse(next.body).user).toEqual({ id: 'ana@msp.example', role: 'admin' });
  });

  it('refuses a callback whose state is not the login this browser started, without exchanging', async () => {
    const handler = handlerWith({ domainUrl: tokenUrl });
    const { login } = await startLogin(handler);
    const before = exchanges.length;
    const result = await handler(
      event('/auth/callback', { query: 'code=c&state=forged', cookies: [`${LOGIN_COOKIE}=${login}`] }),
    );
    expect(result.statusCode).toBe(400);
    const none = await handler(event('/auth/callback', { query: 'code=c&state=x' }));
    expect(none.statusCode).toBe(400);
    expect(exchanges.length).toBe(before);
  });

  it('refuses what the token endpoint refuses, and an ID token that does not verify', async () => {
    const handler = handlerWith({ domainUrl: tokenUrl });
    const { login, state } = await startLogin(handler);
    answer = () => ({ status: 400, body: { error: 'invalid_grant' } });
    const refused = await handler(
      event('/auth/callback', { query: `code=c&state=${state}`, cookies: [`${LOGIN_COOKIE}=${login}`] }),
    );
    expect(refused.statusCode).toBe(401);
    expect(refused.cookies).toBeUndefined();
    answer = () => ({
      status: 200,
      body: { id_token: sign({ iss: ISSUER, aud: CLIENT, token_use: 'id', exp: 9e9 }, other.privateKey) },
    });
    const forged = await handler(
      event('/auth/callback', { query: `code=c&state=${state}`, cookies: [`${LOGIN_COOKIE}=${login}`] }),
    );
    expect(forged.statusCode).toBe(401);
    expect(forged.cookies).toBeUndefined();
  });

  it('signs out: clears the cookies and goes to the Cognito logout URL', async () => {
    const handler = handlerWith();
    const result = await handler(event('/auth/logout', { cookies: signedIn(idToken()) }));
    expect(result.statusCode).toBe(302);
    const location = new URL(result.headers.location!);
    expect(`${location.origin}${location.pathname}`).toBe('https://trueup.auth.us-east-1.amazoncognito.com/logout');
    expect(location.searchParams.get('client_id')).toBe(CLIENT);
    expect(location.searchParams.get('logout_uri')).toBe(`${BASE}/auth/signed-out`);
    expect(result.cookies).toEqual([
      `${ID_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
      `${LOGIN_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
    ]);
    const signedOut = await handler(event('/auth/signed-out'));
    expect(signedOut.statusCode).toBe(200);
    expect(signedOut.body).toContain('Sign in again');
  });
});
