/**
 * `https`: GET one URL. The ETag and Last-Modified of the last landed file are sent back as
 * If-None-Match / If-Modified-Since, so an unchanged file is not fetched again (304). When the
 * server gives no validators, the content's sha256 is the identity: the file is downloaded
 * but the same bytes never land twice.
 */
import { createHash } from 'node:crypto';
import { CredentialError, PermanentSourceError } from '../errors.js';
import { describeRef } from '../credentials.js';
import { httpError, redact, send } from '../http.js';
import type { Driver, DriverContext, RemoteFile } from './driver.js';

type Ctx = DriverContext<'https'>;

async function authHeaders(ctx: Ctx): Promise<Record<string, string>> {
  const source = ctx.source;
  const auth = source.auth ?? (source.credential ? 'bearer' : 'none');
  if (auth === 'none') return {};
  const secret = await ctx.secret();
  if (auth === 'bearer') return { authorization: `Bearer ${secret}` };
  if (auth === 'header') return { [source.header ?? 'x-api-key']: secret };
  let user: string | undefined;
  let password: string | undefined;
  try {
    const json = JSON.parse(secret) as { username?: unknown; password?: unknown };
    if (typeof json.username === 'string' && typeof json.password === 'string')
      ({ username: user, password } = json as { username: string; password: string });
  } catch {
    const at = secret.indexOf(':');
    if (at > 0) [user, password] = [secret.slice(0, at), secret.slice(at + 1)];
  }
  if (user === undefined || password === undefined) {
    throw new CredentialError(
      `${describeRef(source.credential!)} must hold "user:password" or {"username": …, "password": …} for basic auth`,
    );
  }
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

function refused(ctx: Ctx) {
  return (message: string) =>
    new CredentialError(
      `${message}: the server refused the credential in ${ctx.source.credential ? describeRef(ctx.source.credential) : '(none configured)'}`,
    );
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export const httpsDriver: Driver<'https'> = {
  async test(ctx) {
    const res = await send({ url: ctx.source.url, headers: await authHeaders(ctx) }, ctx.http);
    if (res.status < 200 || res.status > 299) throw httpError(`GET ${redact(ctx.source.url)}`, res, refused(ctx));
    const etag = header(res.headers.etag);
    return `GET ${redact(ctx.source.url)}: HTTP ${res.status}, ${res.body.length} bytes${etag ? `, ETag ${etag}` : ''}`;
  },

  async *list(ctx): AsyncGenerator<RemoteFile> {
    const cursor = await ctx.state.getCursor(ctx.source.name);
    const headers = await authHeaders(ctx);
    if (cursor.url === ctx.source.url) {
      if (cursor.etag) headers['if-none-match'] = cursor.etag;
      if (cursor.lastModified) headers['if-modified-since'] = cursor.lastModified;
    }
    const res = await send({ url: ctx.source.url, headers }, ctx.http);
    if (res.status === 304) return;
    if (res.status < 200 || res.status > 299) throw httpError(`GET ${redact(ctx.source.url)}`, res, refused(ctx));
    const etag = header(res.headers.etag);
    const lastModified = header(res.headers['last-modified']);
    const sha256 = createHash('sha256').update(res.body).digest('hex');
    const version = etag ? `etag:${etag}` : lastModified ? `modified:${lastModified}` : `sha256:${sha256}`;
    const path = new URL(ctx.source.url).pathname;
    const base = ctx.source.fileName ?? (decodeURIComponent(path.split('/').pop() ?? '') || 'download.csv');
    if (/[/\\]/.test(base))
      throw new PermanentSourceError(`cannot name the downloaded file after ${JSON.stringify(base)}: set "fileName"`);
    yield {
      remoteId: `${redact(ctx.source.url)}#${version}`,
      remoteName: redact(ctx.source.url),
      fileName: `${stamp(ctx.now())}-${base}`,
      remoteEtag: etag ?? lastModified ?? `sha256:${sha256}`,
      fetch: async () => res.body,
      landed: async () => {
        await ctx.state.putCursor(ctx.source.name, {
          url: ctx.source.url,
          ...(etag ? { etag } : {}),
          ...(lastModified ? { lastModified } : {}),
        });
      },
    };
  },
};
