/**
 * `trueup accounting connect --system quickbooks|xero` (docs/deploy.md, "Connect the books"):
 * the OAuth2 authorization-code flow (RFC 6749 §4.1) that connects TrueUp to the MSP's books.
 * It prints the consent URL, waits for the browser's redirect on 127.0.0.1, checks `state`,
 * exchanges the code for the token set, and writes `BooksTokens` where the publisher reads
 * them: the deployed stack's books secret (`--outputs`, output BooksSecretArn) or a file
 * (`--file`, default `.trueup/books-<system>.json`, owner-only).
 *
 * QuickBooks Online goes through Intuit's `intuit-oauth` (authorizeUri, createToken); the
 * company (`realmId`) comes on the redirect. Xero's `xero-node` cannot be used here: its
 * buildConsentUrl and apiCallback first run OpenID discovery against identity.xero.com, and its
 * token and connections URLs are fixed, so the URL and the exchange are built by hand per
 * RFC 6749 against Xero's documented endpoints, and the organisation is read from /connections.
 *
 * The client secret is read from an environment variable (never a flag: shell history and `ps`
 * would show it); no token is ever printed.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Command, InvalidArgumentError, Option } from 'commander';
import OAuthClient from 'intuit-oauth';
import { z } from 'zod';
import type { BooksSystemName, BooksTokens, BooksTokenStore } from '../functions/app/books-ports.js';
import { defaultTokenFile, FileTokenStore } from '../functions/adapters/books/file-token-store.js';
import { SecretsTokenStore } from '../functions/adapters/books/secrets-token-store.js';
import { UserError } from './ops-commands.js';

/** The scopes each system's consent asks for: what publishing needs, nothing more. */
export const SCOPES: Readonly<Record<BooksSystemName, readonly string[]>> = {
  quickbooks: ['com.intuit.quickbooks.accounting'],
  xero: ['offline_access', 'accounting.transactions', 'accounting.contacts'],
};

/** Register `http://localhost:8750/callback` as the app's redirect URI (or pass --port/--redirect-uri). */
export const DEFAULT_PORT = 8750;
const CALLBACK_PATH = '/callback';
const WAIT_MINUTES = 10;

/** Xero's OAuth2 endpoints (developer.xero.com, "OAuth 2.0 — standard authorization code flow"). */
export const XERO_ENDPOINTS = {
  authorize: 'https://login.xero.com/identity/connect/authorize',
  token: 'https://identity.xero.com/connect/token',
  connections: 'https://api.xero.com/connections',
};

/** Where the flow talks to: the real systems by default; a local stand-in in tests. */
export interface Endpoints {
  readonly authorize: string;
  readonly token: string;
  /** Xero only. */
  readonly connections: string;
}

export interface ConnectOptions {
  readonly system: BooksSystemName;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly store: BooksTokenStore;
  /** Where the tokens go, for the messages (a secret ARN or a file path). */
  readonly storeName: string;
  /** QuickBooks: the sandbox or production company. @default production */
  readonly environment?: 'sandbox' | 'production';
  /** Xero: the organisation (tenant id or name) when the consent connected several. */
  readonly tenant?: string;
  /** The loopback port of the default redirect URI. @default DEFAULT_PORT (0 in tests) */
  readonly port?: number;
  /** The redirect URI registered with the app; a non-loopback one means the address is pasted. */
  readonly redirectUri?: string;
  readonly scopes?: readonly string[];
  readonly endpoints?: Partial<Endpoints>;
  /** @default WAIT_MINUTES */
  readonly waitMs?: number;
  readonly now?: () => number;
}

export interface ConnectIo {
  print(line: string): void;
  /** A line typed by the user (the pasted redirect address); stdin by default. */
  readLine?(prompt: string): Promise<string>;
}

export interface Connected {
  readonly system: BooksSystemName;
  /** Xero organisation name or QuickBooks company id, for the message. */
  readonly company: string;
}

/** Runs the whole flow and writes the token set; returns what was connected (no token). */
export async function connectBooks(options: ConnectOptions, io: ConnectIo): Promise<Connected> {
  const state = randomBytes(24).toString('hex');
  const redirect = await redirectReceiver(options);
  try {
    const consent = consentUrl(options, redirect.uri, state);
    io.print(`Open this address in a browser, sign in to ${label(options.system)} and allow TrueUp:\n\n  ${consent}\n`);
    const callback = await redirect.wait(io, state);
    const tokens = await exchange(options, redirect.uri, callback);
    await options.store.write(tokens.tokens);
    io.print(`Connected ${label(options.system)} (${tokens.company}); the tokens are in ${options.storeName}.`);
    return { system: options.system, company: tokens.company };
  } finally {
    await redirect.close();
  }
}

const label = (system: BooksSystemName): string => (system === 'xero' ? 'Xero' : 'QuickBooks Online');

// ---- the redirect ------------------------------------------------------------------------------

interface RedirectReceiver {
  readonly uri: string;
  /** The full redirect address, its `state` checked; throws on a refusal or a wrong state. */
  wait(io: ConnectIo, state: string): Promise<URL>;
  close(): Promise<void>;
}

/** A loopback redirect URI is served here on 127.0.0.1; any other is pasted by the user. */
async function redirectReceiver(options: ConnectOptions): Promise<RedirectReceiver> {
  const given = options.redirectUri ? new URL(options.redirectUri) : undefined;
  if (given && !isLoopback(given)) return pastedRedirect(given.toString(), options.system);
  const port = given ? Number(given.port || 80) : (options.port ?? DEFAULT_PORT);
  const path = given?.pathname ?? CALLBACK_PATH;
  let settle: { resolve(url: URL): void; reject(error: Error): void } | undefined;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' || url.pathname !== path) {
      response.writeHead(404).end();
      return;
    }
    const problem = redirectProblem(url, expectedState, options.system);
    response.writeHead(problem ? 400 : 200, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(problem ? `TrueUp was not connected: ${problem}` : 'TrueUp is connected. You can close this tab.');
    if (problem) settle?.reject(new UserError(problem));
    else settle?.resolve(new URL(`${request.url ?? ''}`, uri));
  });
  let expectedState = '';
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new UserError(`Port ${port} on 127.0.0.1 is in use: pass --port N (and register that redirect URI)`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', done);
  });
  const actual = (server.address() as AddressInfo).port;
  const uri = given ? given.toString() : `http://localhost:${actual}${CALLBACK_PATH}`;
  return {
    uri,
    wait: (_io, state) => {
      expectedState = state;
      return new Promise<URL>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new UserError(`No redirect came back within ${minutes(options)} minutes: run the command again.`)),
          options.waitMs ?? WAIT_MINUTES * 60_000,
        );
        const clear =
          <T>(f: (value: T) => void) =>
          (value: T) => {
            clearTimeout(timer);
            f(value);
          };
        settle = { resolve: clear(resolve), reject: clear(reject) };
      });
    },
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function pastedRedirect(uri: string, system: BooksSystemName): RedirectReceiver {
  return {
    uri,
    wait: async (io, state) => {
      const read = io.readLine ?? readStdinLine;
      const line = (
        await read(`After allowing, the browser lands on ${uri}?code=…: paste that whole address here: `)
      ).trim();
      let url: URL;
      try {
        url = new URL(line);
      } catch {
        throw new UserError(
          'That is not an address: paste the whole address the browser landed on (https://…?code=…).',
        );
      }
      const problem = redirectProblem(url, state, system);
      if (problem) throw new UserError(problem);
      return url;
    },
    close: async () => undefined,
  };
}

/** Why a redirect cannot be used: the user refused, `state` differs (another request), no code. */
function redirectProblem(url: URL, state: string, system: BooksSystemName): string | undefined {
  const q = url.searchParams;
  const error = q.get('error');
  if (error)
    return `${label(system)} answered ${error}${q.get('error_description') ? ` (${q.get('error_description')})` : ''}.`;
  if (q.get('state') !== state)
    return 'the redirect does not carry the state this command sent (an old or forged request): run the command again.';
  if (!q.get('code')) return 'the redirect carries no authorization code.';
  if (system === 'quickbooks' && !q.get('realmId')) return 'the redirect carries no realmId (the QuickBooks company).';
  return undefined;
}

function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname);
}

const minutes = (options: ConnectOptions): number => Math.round((options.waitMs ?? WAIT_MINUTES * 60_000) / 60_000);

function readStdinLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((done) =>
    rl.question(prompt, (answer) => {
      rl.close();
      done(answer);
    }),
  );
}

// ---- consent and exchange --------------------------------------------------------------------------

function consentUrl(options: ConnectOptions, redirectUri: string, state: string): string {
  const scopes = [...(options.scopes ?? SCOPES[options.system])];
  if (options.system === 'quickbooks') return intuitClient(options, redirectUri).authorizeUri({ scope: scopes, state });
  const url = new URL(options.endpoints?.authorize ?? XERO_ENDPOINTS.authorize);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: redirectUri,
    scope: scopes.join(' '),
    state,
  }).toString();
  return url.toString();
}

/** Intuit's client; its endpoints are module-wide, moved only when a stand-in is given. */
function intuitClient(options: ConnectOptions, redirectUri: string): OAuthClient {
  const client = new OAuthClient({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    environment: options.environment ?? 'production',
    redirectUri,
  });
  const { authorize, token } = options.endpoints ?? {};
  if (authorize || token)
    client.setAuthorizeURLs({
      authorizeEndpoint: authorize ?? OAuthClient.authorizeEndpoint,
      tokenEndpoint: token ?? OAuthClient.tokenEndpoint,
      revokeEndpoint: OAuthClient.revokeEndpoint,
      userInfoEndpoint: OAuthClient.userinfo_endpoint_production,
    });
  return client;
}

/** RFC 6749 §5.1: the token response fields TrueUp keeps. */
const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
});

async function exchange(
  options: ConnectOptions,
  redirectUri: string,
  callback: URL,
): Promise<{ tokens: BooksTokens; company: string }> {
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const base = { clientId: options.clientId, clientSecret: options.clientSecret };
  if (options.system === 'quickbooks') {
    const token = await quickBooksExchange(options, redirectUri, callback);
    const realmId = callback.searchParams.get('realmId') ?? '';
    return {
      tokens: {
        ...base,
        refreshToken: token.refresh_token,
        accessToken: token.access_token,
        expiresAt: now + token.expires_in,
        realmId,
        environment: options.environment ?? 'production',
      },
      company: `company ${realmId}${options.environment === 'sandbox' ? ', sandbox' : ''}`,
    };
  }
  const token = await xeroExchange(options, redirectUri, callback.searchParams.get('code') ?? '');
  const tenant = await xeroTenant(options, token.access_token);
  return {
    tokens: {
      ...base,
      refreshToken: token.refresh_token,
      accessToken: token.access_token,
      expiresAt: now + token.expires_in,
      tenantId: tenant.tenantId,
    },
    company: tenant.tenantName ?? tenant.tenantId,
  };
}

async function quickBooksExchange(
  options: ConnectOptions,
  redirectUri: string,
  callback: URL,
): Promise<z.infer<typeof TokenResponse>> {
  let json: unknown;
  try {
    json = (await intuitClient(options, redirectUri).createToken(callback.toString())).getJson();
  } catch (error) {
    const e = error as { error?: unknown; error_description?: unknown; message?: string };
    const why = typeof e.error === 'string' && e.error ? e.error : (e.message ?? 'no answer');
    throw new UserError(`QuickBooks did not exchange the authorization code: ${why}. Run the command again.`);
  }
  return tokenResponse(json, 'QuickBooks');
}

/** RFC 6749 §4.1.3: POST the code with the client's Basic credentials. */
async function xeroExchange(
  options: ConnectOptions,
  redirectUri: string,
  code: string,
): Promise<z.infer<typeof TokenResponse>> {
  const response = await fetch(options.endpoints?.token ?? XERO_ENDPOINTS.token, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString(),
    signal: AbortSignal.timeout(30_000),
  });
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = z.object({ error: z.string() }).safeParse(json);
    throw new UserError(
      `Xero did not exchange the authorization code (HTTP ${response.status}${error.success ? `, ${error.data.error}` : ''}). Check the client id and secret, and run the command again.`,
    );
  }
  return tokenResponse(json, 'Xero');
}

function tokenResponse(json: unknown, system: string): z.infer<typeof TokenResponse> {
  const parsed = TokenResponse.safeParse(json);
  if (!parsed.success)
    throw new UserError(
      `${system}'s token response lacks ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}: was offline_access allowed?`,
    );
  return parsed.data;
}

/** One element of Xero's GET /connections. */
const XeroConnection = z.object({
  tenantId: z.string().min(1),
  tenantName: z.string().nullish(),
  tenantType: z.string().optional(),
  authEventId: z.string().optional(),
});
type XeroConnection = z.infer<typeof XeroConnection>;

/**
 * The organisation to publish to: `--tenant` (id or name) when given; else the one organisation
 * connected; else the one this consent connected (the access token's authentication_event_id).
 */
async function xeroTenant(options: ConnectOptions, accessToken: string): Promise<XeroConnection> {
  const response = await fetch(options.endpoints?.connections ?? XERO_ENDPOINTS.connections, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  });
  const parsed = z.array(XeroConnection).safeParse(await response.json().catch(() => undefined));
  if (!response.ok || !parsed.success)
    throw new UserError(`Xero's /connections did not list the organisations (HTTP ${response.status}).`);
  const organisations = parsed.data.filter((c) => (c.tenantType ?? 'ORGANISATION') === 'ORGANISATION');
  const list = (cs: readonly XeroConnection[]): string =>
    cs.map((c) => `${c.tenantName ?? '(no name)'} (${c.tenantId})`).join(', ');
  if (options.tenant) {
    const match = organisations.find((c) => c.tenantId === options.tenant || c.tenantName === options.tenant);
    if (!match)
      throw new UserError(
        `--tenant ${options.tenant} is not among the connected organisations: ${list(organisations)}.`,
      );
    return match;
  }
  if (organisations.length === 1) return organisations[0]!;
  const event = authEventId(accessToken);
  const thisConsent = organisations.filter((c) => event !== undefined && c.authEventId === event);
  if (thisConsent.length === 1) return thisConsent[0]!;
  if (organisations.length === 0)
    throw new UserError('The consent connected no Xero organisation: run the command again and pick one.');
  throw new UserError(
    `Several Xero organisations are connected: ${list(organisations)}. Run the command again with --tenant <id or name>.`,
  );
}

/** The `authentication_event_id` claim of Xero's access token (a JWT); only a hint, not verified. */
function authEventId(accessToken: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    return typeof payload.authentication_event_id === 'string' ? payload.authentication_event_id : undefined;
  } catch {
    return undefined;
  }
}

// ---- the command -----------------------------------------------------------------------------------

interface ConnectCommandOptions {
  system: BooksSystemName;
  clientId: string;
  clientSecretEnv: string;
  outputs?: string;
  file?: string;
  port?: number;
  redirectUri?: string;
  environment?: 'sandbox' | 'production';
  tenant?: string;
  scopes?: string;
}

/** Where the tokens go: the stack's books secret (`--outputs`) or a file (default `.trueup/books-<system>.json`). */
export async function tokenStoreFor(
  opts: { system: BooksSystemName; outputs?: string; file?: string },
  secretsClient: () => SecretsManagerClient = () => new SecretsManagerClient({}),
): Promise<{ store: BooksTokenStore; name: string }> {
  if (opts.outputs && opts.file) throw new UserError('Pass --outputs (the deployed stack) or --file, not both.');
  if (!opts.outputs) {
    const path = opts.file ?? defaultTokenFile(opts.system);
    const store = new FileTokenStore(path, opts.system);
    return { store, name: store.path };
  }
  let outputs: Record<string, Record<string, string>>;
  try {
    outputs = z
      .record(z.string(), z.record(z.string(), z.string()))
      .parse(JSON.parse(await readFile(opts.outputs, 'utf8')));
  } catch (error) {
    throw new UserError(
      `${opts.outputs}: not a cdk deploy --outputs-file (${(error as Error).message.split('\n')[0]})`,
    );
  }
  const arn = Object.values(outputs).find((stack) => stack.BooksSecretArn)?.BooksSecretArn;
  if (!arn)
    throw new UserError(
      `${opts.outputs} has no BooksSecretArn output: deploy with "books": true in the CDK config (docs/deploy.md, "Connect the books").`,
    );
  return { store: new SecretsTokenStore({ client: secretsClient(), secretId: arn, system: opts.system }), name: arn };
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port (1–65535)`);
  return n;
}

function envName(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value))
    throw new InvalidArgumentError(
      `"${value}" is not an environment variable name (the secret itself never goes on the command line)`,
    );
  return value;
}

/** Adds `connect` under `trueup accounting` (made here unless another module made it first). */
export function addBooksConnectCommand(program: Command): void {
  const accounting =
    program.commands.find((c) => c.name() === 'accounting') ??
    program.command('accounting').description('the books: QuickBooks Online or Xero');
  accounting
    .command('connect')
    .description('connect TrueUp to QuickBooks Online or Xero (OAuth2 in a browser) and store the tokens')
    .addOption(
      new Option('--system <system>', 'the accounting system').choices(['quickbooks', 'xero']).makeOptionMandatory(),
    )
    .requiredOption('--client-id <id>', "your app's client id (Intuit or Xero developer portal)")
    .requiredOption('--client-secret-env <name>', "the environment variable holding your app's client secret", envName)
    .option('--outputs <file>', "store the tokens in the deployed stack's books secret (cdk deploy --outputs-file)")
    .option('--file <path>', 'store the tokens in this file (default .trueup/books-<system>.json)')
    .option('--port <n>', `the port of the redirect http://localhost:<n>/callback (default ${DEFAULT_PORT})`, port)
    .option(
      '--redirect-uri <uri>',
      "the app's registered redirect URI, when not http://localhost:<port>/callback (a non-local one: paste the address the browser lands on)",
    )
    .addOption(
      new Option('--environment <env>', 'QuickBooks: the sandbox or production company').choices([
        'sandbox',
        'production',
      ]),
    )
    .option('--tenant <id or name>', 'Xero: the organisation, when the consent connected several')
    .option('--scopes <scopes>', 'space-separated scopes instead of the defaults (docs/deploy.md)')
    .action(async (opts: ConnectCommandOptions) => {
      const clientSecret = process.env[opts.clientSecretEnv];
      if (!clientSecret)
        throw new UserError(
          `${opts.clientSecretEnv} is not set: export it with your app's client secret, then run the command again.`,
        );
      const { store, name } = await tokenStoreFor(opts);
      await connectBooks(
        {
          system: opts.system,
          clientId: opts.clientId,
          clientSecret,
          store,
          storeName: name,
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...(opts.redirectUri ? { redirectUri: opts.redirectUri } : {}),
          ...(opts.environment ? { environment: opts.environment } : {}),
          ...(opts.tenant ? { tenant: opts.tenant } : {}),
          ...(opts.scopes ? { scopes: opts.scopes.split(/\s+/).filter(Boolean) } : {}),
        },
        { print: (line) => console.log(line) },
      );
    });
}
