/**
 * A node:http server on 127.0.0.1 around the client portal's route (functions/app/portal/router.ts),
 * so that `trueup local` and `simulate` serve the links their emails carry. It maps each request
 * to the shared HttpRequest (with the caller's address, for the rate limit) and writes the
 * HttpResponse back (a base64 body as its bytes: the PDFs).
 *
 * The console's local web server (functions/adapters/local/web-server.ts) also serves
 * `/portal/*` when given the same PortalRoute; this one serves nothing else and answers 404
 * outside `/portal/`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest, PortalRoute } from '../../app/http-types.js';

export interface PortalServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The largest body read; the portal's only form is a question of at most 2,000 characters. */
const MAX_BODY_BYTES = 64 * 1024;

export async function startPortalServer(route: PortalRoute, options: { port?: number } = {}): Promise<PortalServer> {
  let url = '';
  const server = createServer((req, res) => {
    void serve(route, url, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(route: PortalRoute, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const target = new URL(req.url ?? '/', origin);
    if (!target.pathname.startsWith('/portal/')) {
      send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found');
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }, 'Payload too large');
      return;
    }
    const request: HttpRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
      ),
      body,
      origin,
      ...(req.socket.remoteAddress ? { sourceIp: req.socket.remoteAddress } : {}),
    };
    const response = await route(request);
    const bytes = response.isBase64Encoded ? Buffer.from(response.body, 'base64') : Buffer.from(response.body, 'utf8');
    send(res, response.status, response.headers, request.method === 'HEAD' ? Buffer.alloc(0) : bytes);
  } catch {
    send(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'Internal error');
  }
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | Buffer,
): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
