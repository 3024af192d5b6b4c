/**
 * `trueup accounting connect`: the OAuth2 authorization-code flow against an in-test
 * authorization server on 127.0.0.1 (the token and connections shapes of Xero's and Intuit's
 * OAuth2 references), the test playing the browser. Never the network.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { connectBooks, tokenStoreFor, type ConnectOptions } from '../../bin/books-connect.js';
import { FileTokenStore } from '../../functions/adapters/books/file-token-store.js';
import { startSecretsManager, type SecretsManagerStandIn } from '../support/secrets-manager-server.js';

const NOW = 1_780_000_000_000;
const CLIENT = { clientId: 'app-client-id', clientSecret: 'app-client-secret-shh' };

interface TokenRequest {
  path: string;
  authorization: string | undefined;
  form: Record<string, string>;
}

/** The authorization server: token endpoints of both systems and Xero's /connections. */
class AuthServer {
  readonly tokenRequests: TokenRequest[] = [];
  readonly connectionRequests: (string | undefined)[] = [];
  connections: unknown[] = [
    { id: 'c1', authEventId: 'ev-1', tenantId: 'tenant-1', tenantType: 'ORGANISATION', tenantName: 'Acme IT Ltd' },
  ];
  tokenStatus = 200;
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.body(request).then((text) => {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        const json = (status: number, value: unknown): void => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(value));
        };
        if (request.method === 'POST' && ['/connect/token', '/oauth2/v1/tokens/bearer'].includes(url.pathname)) {
          const form = Object.fromEntries(new URLSearchParams(text));
          this.tokenRequests.push({ path: url.pathname, authorization: request.headers.authorization, form });
          if (this.tokenStatus !== 200) return json(this.tokenStatus, { error: 'invalid_grant' });
          return json(200, {
            token_type: 'Bearer',
            // A code `jwt-<event>` gets a JWT-shaped access token whose authentication_event_id is <event>.
            access_token: form.code?.startsWith('jwt-')
              ? `h.${Buffer.from(JSON.stringify({ authentication_event_id: form.code.slice(4) })).toString('base64url')}.s`
              : `access-for-${form.code}`,
            refresh_token: `refresh-for-${form.code}`,
            expires_in: url.pathname === '/connect/token' ? 1800 : 3600,
            ...(url.pathname === '/oauth2/v1/tokens/bearer' ? { x_refresh_token_expires_in: 8726400 } : {}),
          });
        }
        if (request.method === 'GET' && url.pathname === '/connections') {
          this.connectionRequests.push(request.headers.authorization);
          return json(200, this.connections);
        }
        return json(404, { error: 'not here' });
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }

  private body(request: IncomingMessage): Promise<string> {
    return new Promise((done) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    });
  }
}

/** Plays the browser: reads the consent URL the command printed, then follows the redirect. */
function browser(answer: (consent: URL) => Record<string, string>): {
  io: { print(line: string): void };
  printed: string[];
  pages: Promise<{ status: number; text: string }>;
} {
  const printed: string[] = [];
  let resolvePage: (page: { status: number; text: string }) => void = () => undefined;
  const pages = new Promise<{ status: number; text: string }>((done) => (resolvePage = done));
  return {
    printed,
    pages,
    io: {
      print: (line) => {
        printed.push(line);
        const match = /https?:\/\/\S+/.exec(line);
        if (!match || !line.startsWith('Open this address')) return;
        const consent = new URL(match[0]);
        const redirect = new URL(consent.searchParams.get('redirect_uri')!);
        redirect.hostname = '127.0.0.1'; // what localhost is served on
        redirect.search = new URLSearchParams(answer(consent)).toString();
        void fetch(redirect).then(async (r) => resolvePage({ status: r.status, text: await r.text() }));
      },
    },
  };
}

let auth: AuthServer;
let dir: string;
beforeAll(async () => {
  auth = new AuthServer();
  await auth.start();
  dir = await mkdtemp(join(tmpdir(), 'trueup-connect-'));
});
afterAll(async () => {
  await auth.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  auth.tokenRequests.length = 0;
  auth.connectionRequests.length = 0;
  auth.tokenStatus = 200;
  vi.restoreAllMocks();
});

const xeroOptions = (file: string, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
  system: 'xero',
  ...CLIENT,
  store: new FileTokenStore(file, 'xero'),
  storeName: file,
  port: 0,
  endpoints: {
    authorize: `${auth.base}/identity/connect/authorize`,
    token: `${auth.base}/connect/token`,
    connections: `${auth.base}/connections`,
  },
  now: () => NOW,
  waitMs: 10_000,
  ...extra,
});

describe('connect Xero (RFC 6749 by hand: xero-node would run OpenID discovery first)', () => {
  it('asks consent for the publishing scopes, exchanges the code, reads the organisation and writes the tokens', async () => {
    const file = join(dir, 'xero.json');
    let consent: URL | undefined;
    const b = browser((url) => {
      consent = url;
      return { code: 'code-1', state: url.searchParams.get('state')!, scope: url.searchParams.get('scope')! };
    });

    await expect(connectBooks(xeroOptions(file), b.io)).resolves.toEqual({ system: 'xero', company: 'Acme IT Ltd' });

    expect(`${consent!.origin}${consent!.pathname}`).toBe(`${auth.base}/identity/connect/authorize`);
    expect(Object.fromEntries(consent!.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'app-client-id',
      redirect_uri: expect.stringMatching(/^http:\/\/localhost:\d+\/callback$/),
      scope: 'offline_access accounting.transactions accounting.contacts',
      state: expect.stringMatching(/^[0-9a-f]{48}$/),
    });
    expect(auth.tokenRequests).toEqual([
      {
        path: '/connect/token',
        authorization: `Basic ${Buffer.from('app-client-id:app-client-secret-shh').toString('base64')}`,
        form: {
          grant_type: 'authorization_code',
          code: 'code-1',
          redirect_uri: consent!.searchParams.get('redirect_uri'),
        },
      },
    ]);
    expect(auth.connectionRequests).toEqual(['Bearer access-for-code-1']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      system: 'xero',
      ...CLIENT,
      refreshToken: 'refresh-for-code-1',
      accessToken: 'access-for-code-1',
      expiresAt: NOW / 1000 + 1800,
      tenantId: 'tenant-1',
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await b.pages).toEqual({ status: 200, text: 'TrueUp is connected. You can close this tab.' });
    const out = b.printed.join('\n');
    expect(out).toContain(`Connected Xero (Acme IT Ltd); the tokens are in ${file}.`);
    for (const secret of ['access-for-code-1', 'refresh-for-code-1', 'app-client-secret-shh'])
      expect(out).not.toContain(secret);
  });

  it('refuses a redirect carrying another state, and a refused consent, writing nothing', async () => {
    const file = join(dir, 'never.json');
    const forged = browser(() => ({ code: 'code-x', state: 'not-the-one' }));
    await expect(connectBooks(xeroOptions(file), forged.io)).rejects.toThrow(
      'the redirect does not carry the state this command sent (an old or forged request): run the command again.',
    );
    expect((await forged.pages).status).toBe(400);

    const denied = browser((url) => ({
      error: 'access_denied',
      error_description: 'The user cancelled',
      state: url.searchParams.get('state')!,
    }));
    await expect(connectBooks(xeroOptions(file), denied.io)).rejects.toThrow(
      'Xero answered access_denied (The user cancelled).',
    );
    expect(auth.tokenRequests).toEqual([]);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('says when the code is not exchanged, naming the OAuth error only', async () => {
    auth.tokenStatus = 400;
    const b = browser((url) => ({ code: 'code-2', state: url.searchParams.get('state')! }));
    await expect(connectBooks(xeroOptions(join(dir, 'never.json')), b.io)).rejects.toThrow(
      'Xero did not exchange the authorization code (HTTP 400, invalid_grant). Check the client id and secret, and run the command again.',
    );
  });

  it('with several organisations: the one named by --tenant, else the one this consent connected, else asks', async () => {
    auth.connections = [
      { id: 'c1', authEventId: 'ev-old', tenantId: 'tenant-1', tenantType: 'ORGANISATION', tenantName: 'Acme IT Ltd' },
      { id: 'c2', authEventId: 'ev-old', tenantId: 'tenant-2', tenantType: 'ORGANISATION', tenantName: 'Acme Demo Co' },
      { id: 'c3', authEventId: 'ev-old', tenantId: 'practice', tenantType: 'PRACTICEMANAGER', tenantName: 'Practice' },
    ];
    const answer = (url: URL): Record<string, string> => ({ code: 'code-3', state: url.searchParams.get('state')! });
    await expect(connectBooks(xeroOptions(join(dir, 'never.json')), browser(answer).io)).rejects.toThrow(
      'Several Xero organisations are connected: Acme IT Ltd (tenant-1), Acme Demo Co (tenant-2). Run the command again with --tenant <id or name>.',
    );
    const file = join(dir, 'demo.json');
    await connectBooks(xeroOptions(file, { tenant: 'Acme Demo Co' }), browser(answer).io);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ tenantId: 'tenant-2' });
    // The organisation this consent connected carries the access token's authentication_event_id.
    auth.connections[0] = { ...(auth.connections[0] as object), authEventId: 'ev-new' };
    const jwt = (url: URL): Record<string, string> => ({ code: 'jwt-ev-new', state: url.searchParams.get('state')! });
    await connectBooks(xeroOptions(file), browser(jwt).io);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ tenantId: 'tenant-1' });
    auth.connections = [{ tenantId: 'tenant-1', tenantName: 'Acme IT Ltd' }];
  });

  it('with a non-local redirect URI, takes the address the browser landed on, pasted', async () => {
    const file = join(dir, 'pasted.json');
    const printed: string[] = [];
    let consent: URL | undefined;
    const io = {
      print: (line: string) => {
        printed.push(line);
        const match = /https?:\/\/\S+/.exec(line);
        if (match && line.startsWith('Open this address')) consent = new URL(match[0]);
      },
      readLine: async (prompt: string) => {
        expect(prompt).toContain('https://books.example.com/oauth/callback?code=');
        return ` https://books.example.com/oauth/callback?code=code-4&state=${consent!.searchParams.get('state')} \n`;
      },
    };
    await connectBooks(xeroOptions(file, { redirectUri: 'https://books.example.com/oauth/callback' }), io);
    expect(consent!.searchParams.get('redirect_uri')).toBe('https://books.example.com/oauth/callback');
    expect(auth.tokenRequests[0]?.form.redirect_uri).toBe('https://books.example.com/oauth/callback');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ refreshToken: 'refresh-for-code-4' });
  });
});

describe('connect QuickBooks Online (intuit-oauth)', () => {
  let sm: SecretsManagerStandIn;
  beforeAll(async () => {
    sm = await startSecretsManager({ 'TrueUpBooksSecret-AbCdEf': '{}' });
  });
  afterAll(() => sm.close());

  it("writes the tokens, the realmId of the redirect and the environment into the stack's books secret", async () => {
    const outputs = join(dir, 'cdk-outputs.json');
    await writeFile(
      outputs,
      JSON.stringify({
        'TrueUp-Stateful': { TableName: 't' },
        'TrueUp-Pipeline': {
          BooksSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:TrueUpBooksSecret-AbCdEf',
        },
      }),
    );
    const { store, name } = await tokenStoreFor({ system: 'quickbooks', outputs }, () => sm.client());
    let consent: URL | undefined;
    const b = browser((url) => {
      consent = url;
      return { code: 'qb-code', state: url.searchParams.get('state')!, realmId: '9130350000000000' };
    });
    await expect(
      connectBooks(
        {
          system: 'quickbooks',
          ...CLIENT,
          store,
          storeName: name,
          environment: 'sandbox',
          port: 0,
          endpoints: { authorize: `${auth.base}/connect/oauth2`, token: `${auth.base}/oauth2/v1/tokens/bearer` },
          now: () => NOW,
          waitMs: 10_000,
        },
        b.io,
      ),
    ).resolves.toEqual({ system: 'quickbooks', company: 'company 9130350000000000, sandbox' });

    expect(`${consent!.origin}${consent!.pathname}`).toBe(`${auth.base}/connect/oauth2`);
    expect(consent!.searchParams.get('scope')).toBe('com.intuit.quickbooks.accounting');
    expect(consent!.searchParams.get('client_id')).toBe('app-client-id');
    expect(auth.tokenRequests).toEqual([
      {
        path: '/oauth2/v1/tokens/bearer',
        authorization: `Basic ${Buffer.from('app-client-id:app-client-secret-shh').toString('base64')}`,
        form: {
          grant_type: 'authorization_code',
          code: 'qb-code',
          redirect_uri: consent!.searchParams.get('redirect_uri'),
        },
      },
    ]);
    expect(JSON.parse(sm.current('TrueUpBooksSecret-AbCdEf')!)).toEqual({
      system: 'quickbooks',
      ...CLIENT,
      refreshToken: 'refresh-for-qb-code',
      accessToken: 'access-for-qb-code',
      expiresAt: NOW / 1000 + 3600,
      realmId: '9130350000000000',
      environment: 'sandbox',
    });
    expect(b.printed.join('\n')).toContain(
      'Connected QuickBooks Online (company 9130350000000000, sandbox); the tokens are in arn:aws:secretsmanager:us-east-1:123456789012:secret:TrueUpBooksSecret-AbCdEf.',
    );
  });
});

describe('trueup accounting connect (the command)', () => {
  async function run(...args: string[]): Promise<{ code: number; err: string }> {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      err += `${a.join(' ')}\n`;
    });
    return { code: await main(['node', 'trueup', 'accounting', 'connect', ...args]), err };
  }

  it('reads the client secret from the named environment variable only, and says when it is unset', async () => {
    vi.stubEnv('TRUEUP_TEST_UNSET_SECRET', '');
    const { code, err } = await run(
      '--system',
      'xero',
      '--client-id',
      'id',
      '--client-secret-env',
      'TRUEUP_TEST_UNSET_SECRET',
    );
    expect(code).toBe(1);
    expect(err).toContain(
      "TRUEUP_TEST_UNSET_SECRET is not set: export it with your app's client secret, then run the command again.",
    );
    const bad = await run('--system', 'xero', '--client-id', 'id', '--client-secret-env', 'sk-live-123');
    expect(bad.err).toContain('"sk-live-123" is not an environment variable name');
    vi.unstubAllEnvs();
  });

  it('checks the system and where the tokens go before any browser step', async () => {
    vi.stubEnv('TRUEUP_TEST_SECRET', 'x');
    const wrong = await run('--system', 'sage', '--client-id', 'id', '--client-secret-env', 'TRUEUP_TEST_SECRET');
    expect(wrong.err).toMatch(/argument 'sage' is invalid\. Allowed choices are quickbooks, xero/);
    const outputs = join(dir, 'no-books-outputs.json');
    await writeFile(outputs, JSON.stringify({ 'TrueUp-Pipeline': { TableName: 't' } }));
    const off = await run(
      '--system',
      'xero',
      '--client-id',
      'id',
      '--client-secret-env',
      'TRUEUP_TEST_SECRET',
      '--outputs',
      outputs,
    );
    expect(off.code).toBe(1);
    expect(off.err).toContain(`${outputs} has no BooksSecretArn output: deploy with "books": true in the CDK config`);
    const both = await run(
      '--system',
      'xero',
      '--client-id',
      'id',
      '--client-secret-env',
      'TRUEUP_TEST_SECRET',
      '--outputs',
      outputs,
      '--file',
      'x.json',
    );
    expect(both.err).toContain('Pass --outputs (the deployed stack) or --file, not both.');
    vi.unstubAllEnvs();
  });
});
