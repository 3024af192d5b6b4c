/**
 * The client portal on one machine (docs/portal.md, "Locally"): the key its links are signed
 * with, and a PortalWiring whose base URL is set once the local web server listens (its
 * address is known only then, and the server needs these deps first).
 *
 * - `trueup local` keeps a random key in `.trueup/portal-key` (created on first use, readable by
 *   the owner only), so links it printed or emailed keep working across restarts;
 * - `simulate` derives its key from the data folder (its absolute path), so a re-run over the
 *   same folder signs the same links; it is a stand-in, not a secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { PortalWiring } from '../../app/deps.js';

export const LOCAL_PORTAL_KEY_FILE = resolve('.trueup/portal-key');

/** The key in `file`, or a new random one written there (mode 0600) when there is none. */
export async function readOrCreatePortalKey(file = LOCAL_PORTAL_KEY_FILE): Promise<string> {
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined && existing.trim() !== '') return existing.trim();
  const key = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  // `wx`: two processes starting at once keep the first key written.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readFile(file, 'utf8')).trim();
}

/** `simulate`'s fixed key for a data folder: the same folder, the same links, run to run. */
export function simulatePortalKey(dataFolder: string): string {
  return createHash('sha256')
    .update(`trueup-simulate-portal-key:${resolve(dataFolder)}`)
    .digest('base64url');
}

export interface LocalPortalWiring {
  /** `baseUrl` is undefined until `connect`. */
  readonly wiring: PortalWiring;
  /** The base URL the portal is served under (`http://127.0.0.1:<port>`). */
  connect(baseUrl: string): void;
}

export function localPortalWiring(key: string, baseUrl?: string): LocalPortalWiring {
  const wiring: { -readonly [K in keyof PortalWiring]: PortalWiring[K] } = {
    baseUrl: baseUrl?.replace(/\/+$/, ''),
    linkKey: async () => key,
  };
  return {
    wiring,
    connect: (url) => {
      wiring.baseUrl = url.replace(/\/+$/, '');
    },
  };
}
