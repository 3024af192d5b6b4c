/**
 * A small HTTP client on node:http/https (not global fetch) so a source can trust a private CA
 * (`caFile`) and tests can run real TLS with a certificate made at test time. Bodies are read
 * whole; usage exports are files of megabytes, not gigabytes.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { PermanentSourceError, SourceError } from './errors.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpOptions {
  /** Extra CA certificates (PEM) trusted besides the system ones. */
  readonly ca?: string | Buffer;
  readonly timeoutMs?: number;
}

export interface HttpRequest {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

const MAX_BODY = 512 * 1024 * 1024;

export function send(req: HttpRequest, options: HttpOptions = {}): Promise<HttpResponse> {
  const url = new URL(req.url);
  const impl = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
  if (!impl) return Promise.reject(new PermanentSourceError(`unsupported URL scheme ${url.protocol}`));
  const headers: Record<string, string> = { 'user-agent': 'TrueUp-collector', ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise<HttpResponse>((resolveResponse, reject) => {
    const r = impl(
      url,
      {
        method: req.method ?? 'GET',
        headers,
        timeout: options.timeoutMs ?? 60_000,
        ...(url.protocol === 'https:' && options.ca ? { ca: [options.ca] } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) {
            res.destroy(new PermanentSourceError(`${redact(url)} answered more than ${MAX_BODY} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () =>
      r.destroy(new SourceError(`${redact(url)} did not answer within ${options.timeoutMs ?? 60_000} ms`)),
    );
    r.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof SourceError) return reject(error);
      const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ERR_TLS/i.test(error.code ?? '');
      reject(
        tls
          ? new PermanentSourceError(
              `TLS check failed for ${redact(url)} (${error.code}): trust the server's CA with "caFile"`,
            )
          : new SourceError(`cannot reach ${redact(url)} (${error.code ?? error.message})`),
      );
    });
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** The URL without query string (SAS tokens, API keys) for messages. */
export function redact(url: URL | string): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return `${u.origin}${u.pathname}`;
}

/** Raises the right error for a non-2xx answer: 401/403 are credential problems, 429/5xx are retried. */
export function httpError(what: string, res: HttpResponse, credentialError: (message: string) => Error): Error {
  const detail = errorDetail(res);
  const message = `${what} answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`;
  if (res.status === 401 || res.status === 403) return credentialError(message);
  if (res.status === 429 || res.status >= 500 || res.status === 408) return new SourceError(message);
  return new PermanentSourceError(message);
}

function errorDetail(res: HttpResponse): string {
  const text = res.body.subarray(0, 2000).toString('utf8');
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const error = json.error;
    if (typeof error === 'string')
      return [error, json.error_description].filter((x) => typeof x === 'string').join(': ');
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      return [e.code, e.message].filter((x) => typeof x === 'string').join(': ');
    }
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

export function json<T>(what: string, res: HttpResponse): T {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new PermanentSourceError(`${what} did not answer JSON`);
  }
}

export async function readCa(caFile: string | undefined, baseDir: string | undefined): Promise<Buffer | undefined> {
  if (!caFile) return undefined;
  const path = isAbsolute(caFile) ? caFile : resolve(baseDir ?? '.', caFile);
  try {
    return await readFile(path);
  } catch (error) {
    throw new PermanentSourceError(
      `caFile ${caFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
