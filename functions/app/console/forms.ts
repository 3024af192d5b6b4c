/**
 * The console's form posts: CSRF tokens and signed flash messages (an HMAC under the console's
 * key), and the two encodings a form posts in. A multipart body arrives as a string of one
 * character per byte (latin1), as the local web server and the Lambda handler pass it, so that
 * an uploaded file keeps its exact bytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The key tokens are signed with: `TRUEUP_CONSOLE_KEY` when set (every Lambda instance of a
 * deployment must agree on it), else one random key per process (the local server: a form
 * outlives no restart).
 */
const PROCESS_KEY = process.env.TRUEUP_CONSOLE_KEY || randomBytes(32).toString('hex');

export function consoleKey(given?: string): string {
  return given ?? PROCESS_KEY;
}

function mac(key: string, purpose: string, text: string): string {
  return createHmac('sha256', key).update(`${purpose}\u0000${text}`).digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a user's forms carry: bound to the user, so another user's token is refused. */
export function csrfToken(key: string, userId: string): string {
  return mac(key, 'csrf', userId);
}

export function validCsrf(key: string, userId: string, token: string | undefined): boolean {
  return token !== undefined && same(token, csrfToken(key, userId));
}

/** `flash`, `error` and `sig` query parameters for the page a POST answers 303 to. */
export function flashQuery(key: string, text: string, error: boolean): Record<string, string> {
  const kind = error ? 'error' : 'ok';
  return { flash: text, kind, sig: mac(key, `flash-${kind}`, text).slice(0, 22) };
}

/** The flash a page shows: only one this console signed, so a link cannot make it say anything. */
export function readFlash(
  key: string,
  query: Readonly<Record<string, string | undefined>>,
): { text: string; error: boolean } | undefined {
  const { flash, kind, sig } = query;
  if (!flash || !sig || (kind !== 'ok' && kind !== 'error')) return undefined;
  return same(sig, mac(key, `flash-${kind}`, flash).slice(0, 22))
    ? { text: flash, error: kind === 'error' }
    : undefined;
}

export interface UploadedFile {
  readonly field: string;
  readonly filename: string;
  readonly bytes: Uint8Array;
}

export interface FormData {
  /** Every value of each field, in order. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  readonly files: readonly UploadedFile[];
}

export class FormError extends Error {}

export function parseForm(contentType: string | undefined, body: string): FormData {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return parseMultipart(contentType ?? '', body);
  if (type.startsWith('application/x-www-form-urlencoded') || type === '') {
    const fields = new Map<string, string[]>();
    for (const [k, v] of new URLSearchParams(body)) fields.set(k, [...(fields.get(k) ?? []), v]);
    return { fields, files: [] };
  }
  throw new FormError(`Unsupported form encoding ${contentType ?? ''}`);
}

function parseMultipart(contentType: string, body: string): FormData {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const mark = boundary?.[1] ?? boundary?.[2];
  if (!mark) throw new FormError('A multipart form without a boundary');
  const fields = new Map<string, string[]>();
  const files: UploadedFile[] = [];
  const parts = body.split(`--${mark}`);
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break; // the closing delimiter
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, '');
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) continue;
    const bytes = Buffer.from(content, 'latin1');
    if (filename !== undefined)
      files.push({ field: name, filename: Buffer.from(filename, 'latin1').toString('utf8'), bytes });
    else fields.set(name, [...(fields.get(name) ?? []), bytes.toString('utf8')]);
  }
  return { fields, files };
}

export const first = (form: FormData, name: string): string | undefined => form.fields.get(name)?.[0];
