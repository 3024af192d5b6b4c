/**
 * `sftp`: list a remote folder and fetch the regular files (matching `pattern`) not pulled
 * before. A file's identity is its remote path: a vendor that drops a new file per export is
 * read once per file. The server's host key must match `hostKeySha256` (as `ssh-keygen -lf`
 * prints it), so a man in the middle gets no password.
 */
import { createHash } from 'node:crypto';
import SftpClient from 'ssh2-sftp-client';
import { z } from 'zod';
import { describeRef, jsonSecret } from '../credentials.js';
import { CredentialError, PermanentSourceError, SourceError } from '../errors.js';
import type { Driver, DriverContext, RemoteFile } from './driver.js';

type Ctx = DriverContext<'sftp'>;

const SftpSecret = z
  .object({
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    privateKey: z.string().min(1).optional(),
    passphrase: z.string().optional(),
  })
  .refine((s) => s.password !== undefined || s.privateKey !== undefined, { path: ['password'] });
const SFTP_SHAPE =
  '{"username": "…", "password": "…"} or {"username": "…", "privateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\\n…", "passphrase": "…"}';

export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** `*.csv`, `usage-??.csv`: `*` and `?` within one name; everything else literal. */
export function namePattern(pattern: string | undefined): RegExp {
  if (!pattern) return /^[^.]/; // every file but dot-files
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

async function connect(ctx: Ctx): Promise<SftpClient> {
  const source = ctx.source;
  const secret = jsonSecret(await ctx.secret(), SftpSecret, source.credential, SFTP_SHAPE);
  const expected = source.hostKeySha256.replace(/=+$/, '');
  let offered: string | undefined;
  const client = new SftpClient(`trueup-${source.name}`);
  try {
    await client.connect({
      host: source.host,
      port: source.port ?? 22,
      username: secret.username,
      ...(secret.password !== undefined ? { password: secret.password } : {}),
      ...(secret.privateKey !== undefined ? { privateKey: secret.privateKey, passphrase: secret.passphrase } : {}),
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) => {
        offered = hostKeyFingerprint(key);
        return offered === expected;
      },
    });
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const message = (error as Error).message;
    if (offered !== undefined && offered !== expected) {
      throw new PermanentSourceError(
        `${source.host}:${source.port ?? 22} offered host key ${offered}, not the configured hostKeySha256 ${expected}: check with the vendor before changing it`,
      );
    }
    if (/authentication methods failed/i.test(message)) {
      throw new CredentialError(
        `${source.host}:${source.port ?? 22} refused user "${secret.username}" with the password or key in ${describeRef(source.credential)}`,
      );
    }
    throw new SourceError(`cannot connect to ${source.host}:${source.port ?? 22} (${message})`);
  }
}

function remotePath(folder: string, name: string): string {
  return `${folder.replace(/\/+$/, '')}/${name}`;
}

async function listFiles(ctx: Ctx, client: SftpClient) {
  let entries: SftpClient.FileInfo[];
  try {
    entries = await client.list(ctx.source.path);
  } catch (error) {
    throw new PermanentSourceError(
      `cannot list ${ctx.source.path} on ${ctx.source.host} (${(error as Error).message})`,
    );
  }
  const match = namePattern(ctx.source.pattern);
  return entries
    .filter((e) => e.type === '-' && match.test(e.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const sftpDriver: Driver<'sftp'> = {
  async test(ctx) {
    const client = await connect(ctx);
    try {
      const files = await listFiles(ctx, client);
      return `connected to ${ctx.source.host}:${ctx.source.port ?? 22} (host key ${ctx.source.hostKeySha256}); ${files.length} matching file(s) in ${ctx.source.path}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  },

  async *list(ctx): AsyncGenerator<RemoteFile> {
    const client = await connect(ctx);
    try {
      for (const entry of await listFiles(ctx, client)) {
        const path = remotePath(ctx.source.path, entry.name);
        yield {
          remoteId: path,
          remoteName: path,
          fileName: entry.name,
          remoteEtag: `size=${entry.size};mtime=${new Date(entry.modifyTime).toISOString()}`,
          fetch: async () => {
            try {
              return (await client.get(path)) as Buffer;
            } catch (error) {
              throw new SourceError(`cannot read ${path} on ${ctx.source.host} (${(error as Error).message})`);
            }
          },
        };
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
