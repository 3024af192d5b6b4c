/**
 * The local web server of the console (and, when given, the client portal): a node:http
 * server on 127.0.0.1 that serves the console's static files (CONSOLE_ASSETS) at their paths,
 * `/portal/*` through the portal route, and every other path through the console route with
 * the local user. On AWS, CloudFront serves the same files from S3 and the web API's Lambda
 * calls the same routes.
 *
 * Bodies: at most MAX_BODY_BYTES (a usage file upload), refused while they arrive. A multipart
 * body is handed on as one character per byte (latin1), so an uploaded file keeps its bytes;
 * any other body as UTF-8 text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleRoute, ConsoleUser, HttpRequest, HttpResponse, PortalRoute } from '../../app/http-types.js';
import { CONSOLE_ASSETS } from '../../render/console/assets.js';

export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export interface WebServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface WebServerOptions {
  /** The console, for the person who started the server; absent: a portal-only server (404 elsewhere). */
  readonly console?: ConsoleRoute;
  /** Who uses the console (the OS user, admin, unless told otherwise). */
  readonly user?: ConsoleUser;
  readonly portal?: PortalRoute;
  /** The largest body read (default MAX_BODY_BYTES, for the console's uploads). */
  readonly maxBodyBytes?: number;
  /** 0 or absent: a free port. */
  readonly port?: number;
  /** Where a route's failure is told (the console's answer is a plain 500 page). */
  readonly onError?: (error: unknown) => void;
}

const PLAIN = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } as const;

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  let origin = '';
  const server = createServer((req, res) => {
    void serve(options, origin, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(
  options: WebServerOptions,
  origin: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const target = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const asset = options.console ? CONSOLE_ASSETS.find((a) => a.path === target.pathname) : undefined;
    if (asset && (method === 'GET' || method === 'HEAD')) {
      const headers = {
        'content-type': asset.contentType,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      };
      return send(res, { status: 200, headers, body: method === 'HEAD' ? '' : asset.body });
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
    );
    const portal = target.pathname === '/portal' || target.pathname.startsWith('/portal/');
    const route = portal ? options.portal : options.console;
    if (!route) return send(res, { status: 404, headers: PLAIN, body: 'Not found.' });
    const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
    const body = await readBody(
      req,
      headers['content-type']?.toLowerCase().startsWith('multipart/') ? 'latin1' : 'utf8',
      limit,
    );
    if (body === undefined)
      return send(res, {
        status: 413,
        headers: { ...PLAIN, connection: 'close' },
        body: `Payload too large (at most ${formatBytes(limit)}).`,
      });
    const request: HttpRequest = {
      method,
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers,
      body,
      origin,
      ...(req.socket.remoteAddress ? { sourceIp: req.socket.remoteAddress } : {}),
    };
    const response = portal
      ? await options.portal!(request)
      : await options.console!(request, options.user ?? { id: 'local', role: 'viewer' });
    send(res, method === 'HEAD' ? { ...response, body: '' } : response);
  } catch (error) {
    options.onError?.(error);
    send(res, { status: 500, headers: PLAIN, body: 'Internal error: see the terminal that runs TrueUp.' });
  }
}

/** The body as text (`encoding`), or undefined once it passes the limit. */
async function readBody(req: IncomingMessage, encoding: 'utf8' | 'latin1', limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString(encoding);
}

function send(res: ServerResponse, response: HttpResponse): void {
  if (res.headersSent) return;
  const body = response.isBase64Encoded ? Buffer.from(response.body, 'base64') : Buffer.from(response.body, 'utf8');
  res.writeHead(response.status, { ...response.headers, 'content-length': body.length });
  res.end(body);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KB`;
}
