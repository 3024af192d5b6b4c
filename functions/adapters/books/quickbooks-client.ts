/**
 * The wire to QuickBooks Online: Intuit's OAuth client (`intuit-oauth`) refreshes the tokens
 * and makes the REST calls (`makeApiCall`) of the Accounting API v3, `minorversion` pinned.
 *
 * Tokens (docs/quickbooks.md): read from the `BooksTokenStore` before each call; refreshed when
 * the access token is missing or expires within 60 s, or once on a 401; the rotated set is
 * written back before it is used. Tokens never appear in errors: the SDK's own errors carry the
 * request (Basic header) and token objects, so they are turned into plain messages here.
 *
 * Errors: a `ValidationFault` is `BooksRefused` with QuickBooks' Message and Detail; everything
 * else (401 after a refresh, 403, 429, 5xx, a dropped connection, a timeout) is a
 * `QuickBooksUnavailable`, which the publisher treats as transient.
 */
import { createHash } from 'node:crypto';
import OAuthClient from 'intuit-oauth';
import { BooksRefused, type BooksTokens, type BooksTokenStore } from '../../app/books-ports.js';
import { Dec } from '../../domain/money.js';

/** The Accounting API minor version the request and response shapes follow. */
export const QBO_MINOR_VERSION = 75;
/** QuickBooks keeps `requestid` up to 50 characters. */
const REQUEST_ID_MAX = 50;
/** Refresh when the access token has less than this left (seconds). */
const EXPIRY_MARGIN_SECONDS = 60;

export interface QuickBooksConnection {
  readonly tokens: BooksTokenStore;
  /** The API origin; default Intuit's, by `tokens.environment` (production unless `sandbox`). */
  readonly apiBaseUrl?: string;
  /** Intuit's token endpoint, or the local stand-in's. */
  readonly tokenEndpoint?: string;
  readonly minorVersion?: number;
  /** Per request, ms (default 30 000, the SDK's). */
  readonly timeoutMs?: number;
  /** The clock token expiry is judged by, epoch ms. */
  readonly now?: () => number;
}

/** QuickBooks could not be reached or did not answer usably: try again later. */
export class QuickBooksUnavailable extends Error {
  override readonly name = 'QuickBooksUnavailable';
}

/** One error of a QuickBooks `Fault`. */
export interface QboFaultError {
  readonly Message?: string;
  readonly Detail?: string;
  readonly code?: string;
  readonly element?: string;
}

/** A `ValidationFault`, kept whole so callers can react to a code (6140, 6240) before refusing. */
export class QuickBooksValidationFault extends BooksRefused {
  constructor(readonly errors: readonly QboFaultError[]) {
    super(faultMessage(errors));
  }
  has(code: string): boolean {
    return this.errors.some((error) => error.code === code);
  }
}

function faultMessage(errors: readonly QboFaultError[]): string {
  const parts = errors.map((error) => {
    const text = [error.Message, error.Detail].filter((part) => part !== undefined && part !== '').join(' — ');
    return error.code === undefined ? text : `${text} (code ${error.code})`;
  });
  return parts.join('; ') || 'QuickBooks refused the request (ValidationFault without a message)';
}

/**
 * `requestid` (≤ 50 characters): a hash of the idempotency key and the request body. The same
 * document sent again (a retry after a timeout, a re-run) carries the same id, so QuickBooks
 * answers with the first response and creates nothing; a document changed after a refusal (the
 * fix) carries a new one, so a remembered refusal is never replayed to it.
 */
export function requestIdFor(idempotencyKey: string, body: string): string {
  const digest = createHash('sha256').update(idempotencyKey, 'utf8').update('\n', 'utf8').update(body, 'utf8');
  return `tu-${digest.digest('hex').slice(0, REQUEST_ID_MAX - 3)}`;
}

/** A string literal of QuickBooks' query language: single quotes, backslash-escaped. */
export function qboLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The request body: `Dec` values become JSON numbers here, at the last moment, and only when
 * the number writes back as the same decimal (money and quantities up to 15 significant digits).
 */
export function qboJson(body: object): string {
  return JSON.stringify(body, function replacer(this: Record<string, unknown>, key: string, value: unknown) {
    const raw = key === '' ? value : this[key];
    return raw instanceof Dec ? jsonNumber(raw) : value;
  });
}

function jsonNumber(value: Dec): number {
  const number = Number(value.toString());
  if (!new Dec(String(number)).eq(value)) {
    throw new BooksRefused(`${value.toString()} has more digits than a QuickBooks amount can carry exactly`);
  }
  return number;
}

/** An amount QuickBooks returned (a JSON number), as the exact decimal it wrote. */
export function qboDec(value: unknown, field: string): Dec {
  if (typeof value === 'number' && Number.isFinite(value)) return new Dec(String(value));
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return new Dec(value);
  throw new QuickBooksUnavailable(`QuickBooks answered without a numeric ${field}`);
}

type Json = Record<string, unknown>;

/** The REST calls of the Accounting API, with the token rules above. */
export class QuickBooksHttp {
  private readonly client: OAuthClient;
  private readonly now: () => number;
  private refreshing: Promise<BooksTokens> | undefined;

  constructor(private readonly connection: QuickBooksConnection) {
    this.now = connection.now ?? Date.now;
    this.client = new OAuthClient({ clientId: '', clientSecret: '', environment: 'production', redirectUri: '' });
    routeTokenEndpoint(this.client, connection.tokenEndpoint);
  }

  /** `select …`: the rows of `entity` (an empty list when none). */
  async query(entity: string, statement: string): Promise<Json[]> {
    const answer = await this.call('GET', 'query', { query: statement }, undefined, `query ${entity}`);
    const rows = (answer.QueryResponse as Json | undefined)?.[entity];
    return Array.isArray(rows) ? (rows as Json[]) : [];
  }

  /** Creates one `entity` (`Invoice` → POST …/invoice) with `requestid`; the created object. */
  async create(entity: string, body: object, idempotencyKey: string): Promise<Json> {
    const json = qboJson(body);
    const params = { requestid: requestIdFor(idempotencyKey, json) };
    const answer = await this.call('POST', entity.toLowerCase(), params, json, `create ${entity}`);
    const created = answer[entity];
    if (created === null || typeof created !== 'object') {
      throw new QuickBooksUnavailable(`QuickBooks answered the ${entity} create without the ${entity}`);
    }
    return created as Json;
  }

  private async call(
    method: 'GET' | 'POST',
    resource: string,
    params: Record<string, string>,
    body: string | undefined,
    what: string,
  ): Promise<Json> {
    let tokens = await this.freshTokens();
    try {
      return await this.send(tokens, method, resource, params, body);
    } catch (error) {
      if (!(error instanceof Unauthorized)) throw error;
      tokens = await this.afterUnauthorized(tokens);
      try {
        return await this.send(tokens, method, resource, params, body);
      } catch (again) {
        if (again instanceof Unauthorized) {
          throw new QuickBooksUnavailable(
            `QuickBooks ${what}: the access token was refused right after a refresh (401)`,
          );
        }
        throw again;
      }
    }
  }

  private async send(
    tokens: BooksTokens,
    method: 'GET' | 'POST',
    resource: string,
    params: Record<string, string>,
    body: string | undefined,
  ): Promise<Json> {
    const realmId = tokens.realmId;
    if (realmId === undefined || realmId === '') {
      throw new QuickBooksUnavailable('The QuickBooks connection has no realmId (company): connect the books again');
    }
    this.client.setToken({ access_token: tokens.accessToken, refresh_token: tokens.refreshToken });
    const url = `${this.apiBase(tokens)}/v3/company/${encodeURIComponent(realmId)}/${resource}`;
    try {
      const response = await this.client.makeApiCall({
        url,
        method,
        params: { ...params, minorversion: String(this.connection.minorVersion ?? QBO_MINOR_VERSION) },
        ...(body === undefined ? {} : { body }),
        timeout: this.connection.timeoutMs ?? 30_000,
      });
      return (response.json ?? {}) as Json;
    } catch (error) {
      throw apiError(error, `${method} ${resource}`);
    }
  }

  private apiBase(tokens: BooksTokens): string {
    if (this.connection.apiBaseUrl !== undefined) return this.connection.apiBaseUrl.replace(/\/+$/, '');
    const base =
      tokens.environment === 'sandbox' ? OAuthClient.environment.sandbox : OAuthClient.environment.production;
    return base.replace(/\/+$/, '');
  }

  private async freshTokens(): Promise<BooksTokens> {
    const tokens = await this.connection.tokens.read();
    return this.usable(tokens) ? tokens : this.refresh(tokens);
  }

  /** After a 401: a newer token another call already stored, else one refresh. */
  private async afterUnauthorized(refused: BooksTokens): Promise<BooksTokens> {
    const current = await this.connection.tokens.read();
    const newer = current.accessToken !== refused.accessToken && this.usable(current);
    return newer ? current : this.refresh(current);
  }

  private usable(tokens: BooksTokens): boolean {
    return (
      tokens.accessToken !== undefined &&
      tokens.accessToken !== '' &&
      tokens.expiresAt !== undefined &&
      tokens.expiresAt - EXPIRY_MARGIN_SECONDS > this.now() / 1000
    );
  }

  /** One refresh at a time: concurrent calls share it (a rotated refresh token works once). */
  private refresh(tokens: BooksTokens): Promise<BooksTokens> {
    this.refreshing ??= this.refreshOnce(tokens).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshOnce(tokens: BooksTokens): Promise<BooksTokens> {
    const client = new OAuthClient({
      clientId: tokens.clientId,
      clientSecret: tokens.clientSecret,
      environment: tokens.environment ?? 'production',
      redirectUri: '',
    });
    routeTokenEndpoint(client, this.connection.tokenEndpoint);
    let answer;
    try {
      answer = (await client.refreshUsingToken(tokens.refreshToken)).getToken();
    } catch (error) {
      throw new QuickBooksUnavailable(
        `QuickBooks token refresh failed (${oauthReason(error)}): if it persists, connect the books again`,
      );
    }
    if (!answer.access_token || !answer.refresh_token) {
      throw new QuickBooksUnavailable('QuickBooks token refresh answered without an access and a refresh token');
    }
    const next: BooksTokens = {
      ...tokens,
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      expiresAt: Math.floor(this.now() / 1000) + Number(answer.expires_in ?? 0),
    };
    await this.connection.tokens.write(next);
    return next;
  }
}

/**
 * Points one client's token requests at `endpoint`. `setAuthorizeURLs` would change the class's
 * static endpoints for every client in the process; this reroutes only this instance's requests
 * to Intuit's token URL, and the client makes no request when constructed.
 */
function routeTokenEndpoint(client: OAuthClient, endpoint: string | undefined): void {
  if (endpoint === undefined) return;
  const load = client.loadResponse.bind(client);
  client.loadResponse = (request: { url?: string }) =>
    load(request.url === OAuthClient.tokenEndpoint ? { ...request, url: endpoint } : request);
}

class Unauthorized extends Error {}

interface SdkError {
  readonly code?: string;
  readonly message?: string;
  readonly faultType?: string;
  readonly fault?: { readonly errors?: readonly { message?: string; detail?: string; code?: string }[] };
}

/** The SDK's error as ours: a refusal, a 401 (refresh and retry), or a transient failure. */
function apiError(error: unknown, what: string): Error {
  const sdk = (error ?? {}) as SdkError;
  if (sdk.fault !== undefined && sdk.faultType === 'ValidationFault') {
    return new QuickBooksValidationFault(
      (sdk.fault.errors ?? []).map((e) => ({ Message: e.message, Detail: e.detail, code: e.code })),
    );
  }
  if (sdk.code === '401') return new Unauthorized();
  const kind = sdk.fault !== undefined ? `${sdk.faultType ?? 'Fault'}: ` : '';
  return new QuickBooksUnavailable(
    `QuickBooks ${what} failed: ${kind}${sdk.message ?? 'unknown error'} (${sdk.code ?? '?'})`,
  );
}

/** What went wrong in a token request, without the request (it carries the client secret). */
function oauthReason(error: unknown): string {
  const e = (error ?? {}) as { error?: unknown; message?: unknown; code?: unknown };
  const reason = typeof e.error === 'string' && e.error !== '' ? e.error : e.message;
  return typeof reason === 'string' && reason !== '' ? reason.slice(0, 200) : 'no answer';
}
