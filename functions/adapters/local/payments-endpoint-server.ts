/**
 * The local stand-in of the payments Function URL: a node:http server on 127.0.0.1 that hands
 * every request to the same router as the Lambda (functions/app/payments-endpoint.ts). Bodies
 * over the webhook limit are refused while they arrive, without reading them whole.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deps } from '../../app/deps.js';
import { handlePaymentsRequest, type PaymentsRequest } from '../../app/payments-endpoint.js';
import { MAX_WEBHOOK_BYTES } from '../../app/provider-events.js';

export interface PaymentsEndpointServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts the endpoint on 127.0.0.1 (`port` 0 or absent: a free one). `deps` may be a function,
 * read on each request, for wiring whose PaymentsWiring needs this server's URL first.
 */
export async function startPaymentsEndpoint(
  deps: Deps | (() => Deps),
  options: { port?: number } = {},
): Promise<PaymentsEndpointServer> {
  let url = '';
  const server = createServer((req, res) => {
    void serve(typeof deps === 'function' ? deps() : deps, url, req, res);
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

async function serve(deps: Deps, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, { 'content-type': 'application/json', connection: 'close' }, '{"error":"payload too large"}');
      return;
    }
    const target = new URL(req.url ?? '/', origin);
    const request: PaymentsRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
      ),
      body,
      origin,
    };
    const response = await handlePaymentsRequest(deps, request);
    send(res, response.status, response.headers, request.method === 'HEAD' ? '' : response.body);
  } catch (error) {
    // As the Function URL answers a function error: the provider retries the delivery.
    deps.log.warn('payments endpoint error', { error: (error as Error).message });
    send(res, 500, { 'content-type': 'application/json' }, '{"error":"internal error"}');
  }
}

/** The body as UTF-8 text, or undefined once it passes the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_WEBHOOK_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
