/**
 * Small network helpers for the embedded AWS stand-in: free ports, readiness probes and
 * plain HTTP calls that never keep a connection alive (so stopping a server is never held
 * up by an idle keep-alive socket of ours).
 */
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

/**
 * A port that is free on every interface right now. The socket is bound without a host,
 * i.e. on `::` (dual stack) or `0.0.0.0`, because DynamoDB Local, which has no bind-address
 * flag, will listen on all interfaces. There is a short window between closing this socket
 * and the caller binding the port; callers retry on a bind failure.
 */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request to 127.0.0.1 with `Connection: close`; resolves with any status. */
export function httpCall(
  port: number,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: options.headers,
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTP ${method} ${path} on 127.0.0.1:${port} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
