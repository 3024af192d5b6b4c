/**
 * The web API's one Lambda (API Gateway HTTP API, payload 2.0, behind CloudFront): it turns the
 * event into an HttpRequest, signs the billing team in with Cognito and hands each request to
 * the console's or the portal's route (functions/app/http-types.ts), then turns the answer back.
 *
 * - `/portal/*`: the client portal. No sign-in: each link carries its own signed token, which
 *   the portal route checks.
 * - `/auth/callback`: the end of Cognito's managed login (OAuth2 authorization code with PKCE,
 *   see below); `/auth/logout` signs out; `/auth/signed-out` is where Cognito sends the browser back.
 * - everything else: the console. The Cognito ID token in the `__Host-trueup-id` cookie is
 *   verified (signature against the pool's JWKS, issuer, `token_use: id`, audience = the app
 *   client, expiry); without a valid one the browser is sent to the managed login. The
 *   `cognito:groups` claim gives the role: `admin` → admin, `read-only` → viewer, neither → 403.
 *
 * Why PKCE and no client secret: the code is exchanged by this function, which could hold a
 * secret, but a secret adds a Secrets Manager read to every sign-in and one more secret to keep
 * and roll, and buys nothing PKCE does not: the code is bound to the verifier kept in an
 * HttpOnly cookie of this browser, so a stolen code (from a log or a referrer) cannot be
 * redeemed elsewhere, and `state` binds the callback to the login this browser started.
 * Only the ID token is kept (a cookie of ~1–2 KB); no refresh token is stored, so a session
 * lasts the ID token's validity (8 hours, lib/constructs/web-console.ts) and then signs in again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import type { ConsoleRoute, ConsoleUser, HttpRequest, HttpResponse, PortalRoute } from '../../app/http-types.js';

/** The ID token. `__Host-`: only over HTTPS, only for this host, path `/` (no subdomain can set it). */
export const ID_COOKIE = '__Host-trueup-id';
/** The login in progress: `state.verifier.returnTo`, for ten minutes. */
export const LOGIN_COOKIE = '__Host-trueup-login';
const LOGIN_TTL_SECONDS = 600;

export const CALLBACK_PATH = '/auth/callback';
export const LOGOUT_PATH = '/auth/logout';
export const SIGNED_OUT_PATH = '/auth/signed-out';

export interface WebAuthOptions {
  /** The Cognito user pool (`us-east-1_AbC…`): the ID token's issuer is derived from it. */
  readonly userPoolId: string;
  /** The app client: the ID token's audience, and the client of the code exchange. */
  readonly clientId: string;
  /** The managed login's base URL, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainUrl: string;
  /**
   * The console's public URL (CloudFront), the base of the callback and logout URLs registered
   * on the app client. @default the request's origin
   */
  readonly baseUrl?: string;
  /** A JWKS put in the verifier's cache (tests): nothing is fetched for its keys. @default fetched from Cognito once */
  readonly jwks?: Jwks;
}

export interface WebHandlerOptions {
  readonly deps: Deps;
  readonly consoleRoute: (deps: Deps) => ConsoleRoute;
  readonly portalRoute: (deps: Deps) => PortalRoute;
  readonly auth: WebAuthOptions;
  readonly log?: Deps['log'];
}

/** The fields of an HTTP API payload 2.0 event the handler reads; anything else passes. */
const HttpApiEvent = z.looseObject({
  rawPath: z.string().default('/'),
  rawQueryString: z.string().default(''),
  headers: z.record(z.string(), z.string()).default({}),
  cookies: z.array(z.string()).default([]),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.looseObject({
    domainName: z.string().optional(),
    http: z.looseObject({ method: z.string(), sourceIp: z.string().optional() }),
  }),
});

/** What the handler answers API Gateway (payload 2.0): Set-Cookie headers go in `cookies`. */
export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  cookies?: string[];
}

/**
 * The request as the routes take it: lower-case headers (with `cookie` put back together from
 * payload 2.0's `cookies`), the body decoded from base64, the origin the browser used.
 */
export function requestOfHttpApi(event: unknown): HttpRequest {
  const parsed = HttpApiEvent.parse(event);
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(parsed.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  if (parsed.cookies.length > 0) headers.cookie = parsed.cookies.join('; ');
  const body = parsed.body ?? '';
  // CloudFront does not pass the viewer's Host to the API (it would not match the API's own);
  // the distribution's viewer-request function copies it to x-forwarded-host.
  const host = headers['x-forwarded-host'] ?? parsed.requestContext.domainName;
  const { sourceIp } = parsed.requestContext.http;
  return {
    method: parsed.requestContext.http.method.toUpperCase(),
    path: parsed.rawPath,
    query: Object.fromEntries(new URLSearchParams(parsed.rawQueryString)),
    headers,
    body: parsed.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
    ...(host ? { origin: `https://${host}` } : {}),
    ...(sourceIp ? { sourceIp } : {}),
  };
}

/** The route's answer for API Gateway: a PDF stays base64, a Set-Cookie header moves to `cookies`. */
export function httpApiResult(response: HttpResponse, cookies: readonly string[] = []): HttpApiResult {
  const headers: Record<string, string> = {};
  const all = [...cookies];
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.toLowerCase() === 'set-cookie') all.push(value);
    else headers[name] = value;
  }
  return {
    statusCode: response.status,
    headers,
    body: response.body,
    isBase64Encoded: response.isBase64Encoded === true,
    ...(all.length > 0 ? { cookies: all } : {}),
  };
}

/** The cookies of a request's Cookie header. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!(name in out)) out[name] = part.slice(at + 1).trim();
  }
  return out;
}

function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Lax`;
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

/** The ID token's claims the console uses. */
const IdClaims = z.looseObject({
  'cognito:groups': z.array(z.string()).optional(),
  'cognito:username': z.string().optional(),
  email: z.string().optional(),
  exp: z.number(),
});

/** Who the token's groups say this is; undefined when the user is in neither group. */
export function consoleUserOf(claims: z.infer<typeof IdClaims>): ConsoleUser | undefined {
  const groups = claims['cognito:groups'] ?? [];
  const id = claims.email ?? claims['cognito:username'] ?? 'unknown';
  if (groups.includes('admin')) return { id, role: 'admin' };
  if (groups.includes('read-only')) return { id, role: 'viewer' };
  return undefined;
}

const TokenResponse = z.looseObject({ id_token: z.string().min(1), expires_in: z.number().positive().optional() });

export function createWebHandler(options: WebHandlerOptions): (event: unknown) => Promise<HttpApiResult> {
  const { auth } = options;
  const consoleRoute = options.consoleRoute(options.deps);
  const portalRoute = options.portalRoute(options.deps);
  const log = options.log ?? options.deps.log;
  const verifier = CognitoJwtVerifier.create({ userPoolId: auth.userPoolId, tokenUse: 'id', clientId: auth.clientId });
  if (auth.jwks) verifier.cacheJwks(auth.jwks);
  const domainUrl = auth.domainUrl.replace(/\/+$/, '');
  const baseOf = (request: HttpRequest): string => (auth.baseUrl ?? request.origin ?? '').replace(/\/+$/, '');

  /** The verified claims of the request's ID token, or undefined (missing, expired, forged, another pool's). */
  async function claimsOf(request: HttpRequest): Promise<z.infer<typeof IdClaims> | undefined> {
    const token = parseCookies(request.headers.cookie)[ID_COOKIE];
    if (!token) return undefined;
    try {
      return IdClaims.parse(await verifier.verify(token));
    } catch (error) {
      log.info('console sign-in needed', { reason: (error as Error).name });
      return undefined;
    }
  }

  /** To the managed login, remembering state, the PKCE verifier and where to come back to. */
  function toLogin(request: HttpRequest): HttpApiResult {
    const state = base64url(randomBytes(16));
    const verifierText = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifierText).digest());
    const returnTo = request.method === 'GET' && isLocalPath(request.path) ? request.path : '/';
    const url = new URL(`${domainUrl}/oauth2/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: auth.clientId,
      redirect_uri: `${baseOf(request)}${CALLBACK_PATH}`,
      scope: 'openid email profile',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    return redirect(url.toString(), [
      cookie(LOGIN_COOKIE, `${state}.${verifierText}.${base64url(Buffer.from(returnTo))}`, LOGIN_TTL_SECONDS),
    ]);
  }

  /** Cognito sent the browser back with a code: exchange it, keep the ID token, go where the login started. */
  async function callback(request: HttpRequest): Promise<HttpApiResult> {
    const [state, verifierText, returnTo64] = (parseCookies(request.headers.cookie)[LOGIN_COOKIE] ?? '').split('.');
    const { code } = request.query;
    if (request.query.error) return page(401, 'Sign-in failed', 'The sign-in was refused or cancelled.');
    if (!code || !state || !verifierText || request.query.state !== state)
      return page(400, 'Sign-in expired', 'This sign-in link is not the one this browser started, or it expired.');
    const exchanged = await fetch(`${domainUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: auth.clientId,
        code,
        redirect_uri: `${baseOf(request)}${CALLBACK_PATH}`,
        code_verifier: verifierText,
      }).toString(),
    });
    const tokens = TokenResponse.safeParse(exchanged.ok ? await exchanged.json() : undefined);
    if (!tokens.success) {
      log.warn('cognito code exchange failed', { status: exchanged.status });
      return page(401, 'Sign-in failed', 'Cognito did not accept the sign-in code. Try again.');
    }
    let claims: z.infer<typeof IdClaims>;
    try {
      claims = IdClaims.parse(await verifier.verify(tokens.data.id_token));
    } catch (error) {
      log.warn('cognito returned an ID token that does not verify', { reason: (error as Error).name });
      return page(401, 'Sign-in failed', 'The sign-in could not be verified. Try again.');
    }
    const maxAge = claims.exp - Math.floor(Date.now() / 1000);
    const back = Buffer.from(returnTo64 ?? '', 'base64url').toString('utf8');
    return redirect(isLocalPath(back) ? back : '/', [
      cookie(ID_COOKIE, tokens.data.id_token, maxAge),
      cookie(LOGIN_COOKIE, '', 0),
    ]);
  }

  function logout(request: HttpRequest): HttpApiResult {
    const url = new URL(`${domainUrl}/logout`);
    url.search = new URLSearchParams({
      client_id: auth.clientId,
      logout_uri: `${baseOf(request)}${SIGNED_OUT_PATH}`,
    }).toString();
    return redirect(url.toString(), [cookie(ID_COOKIE, '', 0), cookie(LOGIN_COOKIE, '', 0)]);
  }

  return async (event) => {
    const request = requestOfHttpApi(event);
    const { path } = request;
    if (path === '/portal' || path.startsWith('/portal/')) return httpApiResult(await portalRoute(request));
    if (path === CALLBACK_PATH) return callback(request);
    if (path === LOGOUT_PATH) return logout(request);
    if (path === SIGNED_OUT_PATH)
      return page(
        200,
        'Signed out',
        'You are signed out of the TrueUp console.',
        '<p><a href="/">Sign in again</a></p>',
      );
    const claims = await claimsOf(request);
    if (!claims) return toLogin(request);
    const user = consoleUserOf(claims);
    if (!user)
      return page(
        403,
        'No access',
        'You are signed in, but your user is in neither the admin nor the read-only group of the console. Ask an administrator to add you to one.',
        `<p><a href="${LOGOUT_PATH}">Sign out</a></p>`,
      );
    return httpApiResult(await consoleRoute(request, user));
  };
}

/** A path of this site (`/…`, not `//host…`): where a login may return to. */
function isLocalPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') && !path.startsWith(CALLBACK_PATH);
}

function redirect(location: string, cookies: string[]): HttpApiResult {
  return {
    statusCode: 302,
    headers: { location, 'cache-control': 'no-store' },
    body: '',
    isBase64Encoded: false,
    cookies,
  };
}

/** The handler's own small pages (sign-in errors, no group, signed out): plain, no assets, constant text only. */
function page(status: number, title: string, message: string, extra = ''): HttpApiResult {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · TrueUp</title></head><body><main><h1>${title}</h1><p>${message}</p>${extra}</main></body></html>`;
  return {
    statusCode: status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body,
    isBase64Encoded: false,
  };
}
