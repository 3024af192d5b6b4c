/**
 * SES stand-in: aws-ses-v2-local on 127.0.0.1 (its default host is `::`), with a thin shim in
 * front of its Express app for SES v1 (Query protocol, `POST /`) requests:
 *
 * - aws-ses-v2-local answers only `Action=SendEmail` and `Action=SendRawEmail` on `POST /`;
 *   any other v1 action (e.g. `VerifyEmailIdentity`) never gets a response and the SDK call
 *   hangs forever. The shim answers those with an SES-style `InvalidAction` error instead.
 * - It does not keep the original MIME text of SendRawEmail; the shim keeps it, keyed by the
 *   MessageId of the response, so `sentEmails()` can return `raw`.
 *
 * The shim reads the form body itself and hands Express the parsed `req.body`; body-parser 2
 * skips a request whose body has already been read ("body already parsed").
 *
 * aws-ses-v2-local's mail store is module-global: every instance in one process shares it.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { httpCall } from './local-net.js';

type SesServerFactory = (config?: Partial<{ host: string; port: number }>) => Promise<Server>;

export interface SentEmail {
  readonly messageId: string;
  /** As the stand-in stores it, e.g. `TrueUp Billing <billing@trueup.local>`. */
  readonly from: string;
  /** Bare addresses, one per recipient (the stand-in keeps one comma-joined header per entry). */
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  readonly replyTo: string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly attachments: Array<{ filename?: string; contentType: string; size: number; /** base64 */ content: string }>;
  /** When the stand-in received it, epoch seconds. */
  readonly at: number;
  /** The MIME text as sent, for SES v1 SendRawEmail (absent for SendEmail and SES v2 sends). */
  readonly raw?: string;
}

export interface SesLocal {
  readonly port: number;
  sentEmails(): Promise<SentEmail[]>;
  clearEmails(): Promise<void>;
  close(): Promise<void>;
}

/** Shared like the stand-in's own store: MessageId -> MIME text of SendRawEmail. */
const rawByMessageId = new Map<string, string>();
let liveServers = 0;

const HANDLED_V1_ACTIONS = new Set(['SendEmail', 'SendRawEmail']);

function invalidAction(res: ServerResponse, action: string | undefined): void {
  const message = `aws-ses-v2-local (the local SES stand-in) does not implement ${action ?? '(no Action)'}`;
  res.writeHead(400, { 'content-type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>` +
      `<Code>InvalidAction</Code><Message>${message}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
  );
}

/** Remembers the raw MIME under the MessageId found in the XML response. */
function captureRaw(res: ServerResponse, rawBase64: string): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  (res as unknown as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
    const [chunk] = args;
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    const id = /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1];
    if (id && res.statusCode === 200) rawByMessageId.set(id, Buffer.from(rawBase64, 'base64').toString('utf8'));
    return end(...args);
  };
}

function installShim(server: Server): void {
  const app = server.listeners('request')[0] as RequestListener | undefined;
  if (!app) throw new Error('aws-ses-v2-local: no request listener to wrap');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (req.method !== 'POST' || (req.url ?? '/') !== '/' || !form) {
      app(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      if (!HANDLED_V1_ACTIONS.has(body.Action ?? '')) {
        invalidAction(res, body.Action);
        return;
      }
      const raw = body['RawMessage.Data'];
      if (body.Action === 'SendRawEmail' && raw) captureRaw(res, raw);
      (req as IncomingMessage & { body?: unknown }).body = body;
      app(req, res);
    });
  });
}

interface StoredEmail {
  messageId: string;
  from: string;
  replyTo?: string[];
  destination?: { to?: string[]; cc?: string[]; bcc?: string[] };
  subject?: string;
  body?: { text?: string; html?: string };
  attachments?: Array<{ filename?: string; contentType: string; size: number; content: string }>;
  at: number;
}

/** Splits `a@x, "Doe, J" <j@y>` on top-level commas and returns the bare addresses. */
export function bareAddresses(entries: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const entry of entries ?? []) {
    let depth = 0;
    let quoted = false;
    let current = '';
    const flush = (): void => {
      const part = current.trim();
      current = '';
      if (!part) return;
      const angle = /<([^<>]*)>\s*$/.exec(part);
      out.push((angle?.[1] ?? part).trim());
    };
    for (const ch of entry) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === '<') depth++;
      else if (!quoted && ch === '>') depth = Math.max(0, depth - 1);
      if (ch === ',' && !quoted && depth === 0) flush();
      else current += ch;
    }
    flush();
  }
  return out;
}

function toSentEmail(e: StoredEmail): SentEmail {
  const raw = rawByMessageId.get(e.messageId);
  return {
    messageId: e.messageId,
    from: e.from,
    to: bareAddresses(e.destination?.to),
    cc: bareAddresses(e.destination?.cc),
    bcc: bareAddresses(e.destination?.bcc),
    replyTo: bareAddresses(e.replyTo),
    subject: e.subject ?? '',
    ...(e.body?.text !== undefined ? { text: e.body.text } : {}),
    ...(e.body?.html !== undefined ? { html: e.body.html } : {}),
    attachments: (e.attachments ?? []).map((a) => ({
      ...(a.filename !== undefined ? { filename: a.filename } : {}),
      contentType: a.contentType,
      size: a.size,
      content: a.content,
    })),
    at: e.at,
    ...(raw !== undefined ? { raw } : {}),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function startSesLocal(): Promise<SesLocal> {
  // A CommonJS module whose `exports.default` is the factory; createRequire sidesteps the
  // ESM/CJS default-export interop differences between node and vitest.
  const require = createRequire(import.meta.url);
  const factory = (require('aws-ses-v2-local') as { default: SesServerFactory }).default;
  const server = await withTimeout(
    factory({ host: '127.0.0.1', port: 0 }),
    10_000,
    'aws-ses-v2-local did not start listening',
  );
  installShim(server);
  const { port } = server.address() as AddressInfo;

  const clearEmails = async (): Promise<void> => {
    const res = await httpCall(port, 'POST', '/clear-store');
    if (res.status !== 200) throw new Error(`SES stand-in POST /clear-store answered ${res.status}: ${res.body}`);
    rawByMessageId.clear();
  };
  // A fresh, sole instance starts with an empty mailbox (the store outlives earlier instances).
  if (liveServers === 0) await clearEmails();
  liveServers++;

  let closing: Promise<void> | undefined;
  return {
    port,
    clearEmails,
    async sentEmails(): Promise<SentEmail[]> {
      const res = await httpCall(port, 'GET', '/store');
      if (res.status !== 200) throw new Error(`SES stand-in GET /store answered ${res.status}: ${res.body}`);
      const store = JSON.parse(res.body) as { emails?: StoredEmail[] };
      return (store.emails ?? []).map(toSentEmail);
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).finally(() => {
        liveServers--;
      });
      return closing;
    },
  };
}
