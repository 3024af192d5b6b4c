/**
 * Real protocol servers on 127.0.0.1 free ports for the collector tests: HTTPS with a
 * certificate made by openssl at test time, SFTP on ssh2's Server with a generated host key,
 * and fakes of the Pax8 Partner API and the Partner Center / Microsoft Graph billing export
 * that follow the published request and response shapes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Server as SshServer, utils as sshUtils } from 'ssh2';

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A self-signed certificate for 127.0.0.1 (node:crypto cannot make X.509 certificates). */
export function selfSignedCert(): { key: Buffer; cert: Buffer; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trueup-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

async function listen(server: HttpServer | SshServer): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return (server.address() as AddressInfo).port;
}

function close(server: HttpServer | SshServer): Promise<void> {
  return new Promise((done) => {
    (server as HttpServer).closeAllConnections?.();
    server.close(() => done());
  });
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

// ---- HTTPS file server ---------------------------------------------------------------------

export interface FileServer {
  readonly url: string;
  content: string;
  token: string;
  /** The next N requests answer 503. */
  failNext: number;
  /** Full (200) answers, conditional (304) answers. */
  readonly served: { full: number; notModified: number };
  stop(): Promise<void>;
}

export async function startFileServer(tls: { key: Buffer; cert: Buffer }): Promise<FileServer> {
  const state = { content: '', token: 'good-token', failNext: 0, served: { full: 0, notModified: 0 } };
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (state.failNext > 0) {
      state.failNext -= 1;
      res.writeHead(503).end('busy');
      return;
    }
    if (req.headers.authorization !== `Bearer ${state.token}`) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('bad token');
      return;
    }
    const etag = `"${createHash('sha256').update(state.content).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      state.served.notModified += 1;
      res.writeHead(304, { etag }).end();
      return;
    }
    state.served.full += 1;
    res
      .writeHead(200, { 'content-type': 'text/csv', etag, 'last-modified': 'Sat, 31 Jan 2026 12:00:00 GMT' })
      .end(state.content);
  });
  const port = await listen(server as unknown as HttpServer);
  return Object.assign(state, {
    url: `https://127.0.0.1:${port}/exports/usage.csv`,
    stop: () => close(server as unknown as HttpServer),
  });
}

// ---- SFTP server -------------------------------------------------------------------------------

export interface SftpFixture {
  readonly port: number;
  readonly fingerprint: string;
  /** Remote folder → files. */
  readonly files: Map<string, string>;
  readonly reads: string[];
  /** The next N file reads fail. */
  failReads: number;
  password: string;
  stop(): Promise<void>;
}

export async function startSftpServer(folder: string): Promise<SftpFixture> {
  const hostKey = sshUtils.generateKeyPairSync('ed25519');
  const parsed = sshUtils.parseKey(hostKey.private);
  if (parsed instanceof Error) throw parsed;
  const fingerprint = `SHA256:${createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
  const state = { files: new Map<string, string>(), reads: [] as string[], failReads: 0, password: 'sftp-secret' };
  const { STATUS_CODE } = sshUtils.sftp;
  const server = new SshServer({ hostKeys: [hostKey.private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === 'msp' && ctx.password === state.password) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('error', () => undefined);
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, { kind: 'dir'; done: boolean } | { kind: 'file'; data: Buffer }>();
          let next = 0;
          const handleOf = (buffer: Buffer): number => buffer.readUInt32BE(0);
          const newHandle = (value: { kind: 'dir'; done: boolean } | { kind: 'file'; data: Buffer }): Buffer => {
            const id = next++;
            handles.set(id, value);
            const b = Buffer.alloc(4);
            b.writeUInt32BE(id, 0);
            return b;
          };
          const attrs = (size: number) => ({
            mode: 0o100644,
            uid: 0,
            gid: 0,
            size,
            atime: 1769860800,
            mtime: 1769860800,
          });
          sftp.on('OPENDIR', (reqId, path) => {
            if (path.replace(/\/+$/, '') !== folder) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
            sftp.handle(reqId, newHandle({ kind: 'dir', done: false }));
          });
          sftp.on('READDIR', (reqId, handle) => {
            const h = handles.get(handleOf(handle));
            if (!h || h.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE);
            if (h.done) return sftp.status(reqId, STATUS_CODE.EOF);
            h.done = true;
            sftp.name(reqId, [
              ...[...state.files].map(([name, content]) => ({
                filename: name,
                longname: `-rw-r--r--    1 msp msp ${content.length} Jan 31 12:00 ${name}`,
                attrs: attrs(Buffer.byteLength(content)),
              })),
              {
                filename: 'archive',
                longname: 'drwxr-xr-x    2 msp msp 4096 Jan 31 12:00 archive',
                attrs: { ...attrs(4096), mode: 0o040755 },
              },
            ]);
          });
          sftp.on('OPEN', (reqId, filename) => {
            const name = filename.startsWith(`${folder}/`) ? filename.slice(folder.length + 1) : undefined;
            const content = name === undefined ? undefined : state.files.get(name);
            if (content === undefined) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
            if (state.failReads > 0) {
              state.failReads -= 1;
              return sftp.status(reqId, STATUS_CODE.FAILURE, 'disk error');
            }
            state.reads.push(filename);
            sftp.handle(reqId, newHandle({ kind: 'file', data: Buffer.from(content) }));
          });
          sftp.on('READ', (reqId, handle, offset, length) => {
            const h = handles.get(handleOf(handle));
            if (!h || h.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE);
            if (offset >= h.data.length) return sftp.status(reqId, STATUS_CODE.EOF);
            sftp.data(reqId, h.data.subarray(offset, offset + length));
          });
          sftp.on('FSTAT', (reqId, handle) => {
            const h = handles.get(handleOf(handle));
            if (!h || h.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE);
            sftp.attrs(reqId, attrs(h.data.length));
          });
          sftp.on('CLOSE', (reqId, handle) => {
            handles.delete(handleOf(handle));
            sftp.status(reqId, STATUS_CODE.OK);
          });
        });
      });
    });
  });
  const port = await listen(server);
  return Object.assign(state, { port, fingerprint, stop: () => close(server) });
}

// ---- Pax8 Partner API fake --------------------------------------------------------------------

export interface Pax8Invoice {
  id: string;
  invoiceDate: string;
  status: string;
  items: Record<string, unknown>[];
}

export interface Pax8Fake {
  readonly url: string;
  readonly clientId: string;
  clientSecret: string;
  readonly invoices: Pax8Invoice[];
  /** Item requests per invoice id. */
  readonly itemRequests: Map<string, number>;
  /** The next N item requests answer 500. */
  failItems: number;
  stop(): Promise<void>;
}

export async function startPax8Fake(): Promise<Pax8Fake> {
  const state = {
    clientId: 'pax8-client',
    clientSecret: 'pax8-secret',
    invoices: [] as Pax8Invoice[],
    itemRequests: new Map<string, number>(),
    failItems: 0,
  };
  const tokens = new Set<string>();
  const paged = <T>(all: readonly T[], url: URL) => {
    const size = Math.min(200, Number(url.searchParams.get('size') ?? 10));
    const page = Number(url.searchParams.get('page') ?? 0);
    return {
      content: all.slice(page * size, page * size + size),
      page: { size, totalElements: all.length, totalPages: Math.max(1, Math.ceil(all.length / size)), number: page },
    };
  };
  const server = createHttpServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname === '/v1/token') {
        const request = JSON.parse(await body(req)) as Record<string, string>;
        if (
          request.grant_type !== 'client_credentials' ||
          request.audience !== 'https://api.pax8.com' ||
          request.client_id !== state.clientId ||
          request.client_secret !== state.clientSecret
        ) {
          return sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
        }
        const token = `pax8-token-${tokens.size + 1}`;
        tokens.add(token);
        return sendJson(res, 200, { access_token: token, expires_in: 86400, token_type: 'Bearer' });
      }
      if (!tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, '')))
        return sendJson(res, 401, { type: 'Unauthorized', message: 'Invalid token', status: 401 });
      if (req.method === 'GET' && url.pathname === '/v1/invoices') {
        const start = url.searchParams.get('invoiceDateRangeStart');
        const list = state.invoices
          .filter((i) => !start || i.invoiceDate >= start)
          .map(({ id, invoiceDate, status }) => ({
            id,
            invoiceDate,
            dueDate: invoiceDate,
            status,
            total: 100,
            balance: 0,
            carriedBalance: 0,
            currencyCode: 'USD',
            partnerName: 'Acme IT',
          }));
        return sendJson(res, 200, paged(list, url));
      }
      const items = /^\/v1\/invoices\/([^/]+)\/items$/.exec(url.pathname);
      if (req.method === 'GET' && items) {
        const invoice = state.invoices.find((i) => i.id === decodeURIComponent(items[1]!));
        if (!invoice) return sendJson(res, 404, { type: 'Not Found', message: 'Invalid invoice id', status: 404 });
        state.itemRequests.set(invoice.id, (state.itemRequests.get(invoice.id) ?? 0) + 1);
        if (state.failItems > 0) {
          state.failItems -= 1;
          return sendJson(res, 500, { type: 'Internal Server Error', message: 'try again', status: 500 });
        }
        return sendJson(res, 200, paged(invoice.items, url));
      }
      sendJson(res, 404, { type: 'Not Found', message: url.pathname, status: 404 });
    })();
  });
  const port = await listen(server);
  return Object.assign(state, { url: `http://127.0.0.1:${port}`, stop: () => close(server) });
}

// ---- Partner Center + Graph billed reconciliation export fake ------------------------------

export interface PartnerCenterFake {
  readonly url: string;
  readonly tenantId: string;
  readonly clientId: string;
  clientSecret: string;
  readonly invoices: { id: string; invoiceDate: string; lines: Record<string, unknown>[] }[];
  readonly exportsStarted: string[];
  /** The next N export operations end as failedOperation. */
  failExports: number;
  stop(): Promise<void>;
}

export async function startPartnerCenterFake(): Promise<PartnerCenterFake> {
  const state = {
    tenantId: 'contoso-partner.onmicrosoft.com',
    clientId: 'pc-app',
    clientSecret: 'pc-secret',
    invoices: [] as PartnerCenterFake['invoices'],
    exportsStarted: [] as string[],
    failExports: 0,
  };
  const tokens = new Map<string, string>(); // token → scope
  const operations = new Map<string, { invoiceId: string; polls: number; fail: boolean }>();
  let port = 0;
  const server = createHttpServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const base = `http://127.0.0.1:${port}`;
      if (req.method === 'POST' && url.pathname === `/login/${state.tenantId}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(await body(req));
        if (
          form.get('grant_type') !== 'client_credentials' ||
          form.get('client_id') !== state.clientId ||
          form.get('client_secret') !== state.clientSecret
        ) {
          return sendJson(res, 401, {
            error: 'invalid_client',
            error_description:
              'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
          });
        }
        const token = `token-${tokens.size + 1}`;
        tokens.set(token, form.get('scope') ?? '');
        return sendJson(res, 200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: token,
        });
      }
      if (url.pathname.startsWith('/blobs/')) {
        if (url.searchParams.get('sig') !== 'fake-signature')
          return sendJson(res, 403, { error: { code: 'AuthenticationFailed', message: 'Signature did not match' } });
        const invoice = state.invoices.find((i) => url.pathname === `/blobs/${i.id}/part-00000.json.gz`);
        if (!invoice)
          return sendJson(res, 404, { error: { code: 'BlobNotFound', message: 'The specified blob does not exist.' } });
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(gzipSync(invoice.lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
      }
      const scope = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (req.method === 'GET' && url.pathname === '/pc/v1/invoices') {
        if (scope !== 'https://api.partnercenter.microsoft.com/.default')
          return sendJson(res, 401, { code: 900, description: 'Unauthorized' });
        return sendJson(res, 200, {
          totalCount: state.invoices.length,
          items: state.invoices.map((i) => ({
            id: i.id,
            invoiceDate: `${i.invoiceDate}T00:00:00Z`,
            currencyCode: 'USD',
            invoiceType: 'OneTime',
            documentType: 'Invoice',
            attributes: { objectType: 'Invoice' },
          })),
          links: { self: { uri: '/invoices?size=200&offset=0', method: 'GET', headers: [] } },
          attributes: { objectType: 'Collection' },
        });
      }
      if (scope !== 'https://graph.microsoft.com/.default')
        return sendJson(res, 401, {
          error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' },
        });
      if (
        req.method === 'POST' &&
        url.pathname === '/graph/v1.0/reports/partners/billing/reconciliation/billed/export'
      ) {
        const request = JSON.parse(await body(req)) as { invoiceId?: string; attributeSet?: string };
        const invoice = state.invoices.find((i) => i.id === request.invoiceId);
        if (!invoice)
          return sendJson(res, 400, {
            error: { code: 'BadRequest', message: `Invoice ${request.invoiceId} not found` },
          });
        const id = `op-${operations.size + 1}`;
        const fail = state.failExports > 0;
        if (fail) state.failExports -= 1;
        operations.set(id, { invoiceId: invoice.id, polls: 0, fail });
        state.exportsStarted.push(invoice.id);
        res.writeHead(202, {
          location: `${base}/graph/v1.0/reports/partners/billing/operations/${id}`,
          'retry-after': '10',
        });
        return res.end();
      }
      const op = /^\/graph\/v1\.0\/reports\/partners\/billing\/operations\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && op) {
        const operation = operations.get(op[1]!);
        if (!operation) return sendJson(res, 404, { error: { code: 'NotFound', message: 'operation not found' } });
        operation.polls += 1;
        const common = {
          '@odata.context': `${base}/graph/v1.0/$metadata#reports/partners/billing/operations/$entity`,
          id: op[1],
          createdDateTime: '2026-02-10T10:00:00Z',
          lastActionDateTime: '2026-02-10T10:00:05Z',
        };
        if (operation.polls < 2)
          return sendJson(
            res,
            200,
            { ...common, '@odata.type': '#microsoft.graph.partners.billing.runningOperation', status: 'running' },
            { 'retry-after': '10' },
          );
        if (operation.fail)
          return sendJson(res, 200, {
            ...common,
            '@odata.type': '#microsoft.graph.partners.billing.failedOperation',
            status: 'failed',
            error: { code: 'InternalError', message: 'The export could not be completed.' },
          });
        return sendJson(res, 200, {
          ...common,
          '@odata.type': '#microsoft.graph.partners.billing.exportSuccessOperation',
          status: 'succeeded',
          resourceLocation: {
            '@odata.type': '#microsoft.graph.partners.billing.manifest',
            id: `manifest-${op[1]}`,
            schemaVersion: '2',
            dataFormat: 'compressedJSON',
            createdDateTime: '2026-02-10T10:00:05Z',
            eTag: `etag-${operation.invoiceId}`,
            partnerTenantId: 'c6b1a4a0-0000-4000-8000-000000000001',
            rootDirectory: `${base}/blobs/${operation.invoiceId}`,
            sasToken: 'sv=2020-10-02&se=2026-02-11&sr=c&sp=rl&sig=fake-signature',
            partitionType: 'default',
            blobCount: 1,
            blobs: [
              {
                '@odata.type': '#microsoft.graph.partners.billing.blob',
                name: 'part-00000.json.gz',
                partitionValue: 'default',
              },
            ],
          },
        });
      }
      sendJson(res, 404, { error: { code: 'NotFound', message: url.pathname } });
    })();
  });
  port = await listen(server);
  return Object.assign(state, { url: `http://127.0.0.1:${port}`, stop: () => close(server) });
}
