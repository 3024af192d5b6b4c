/**
 * The books connection kept in a JSON file, for the CLI on one machine (`trueup accounting
 * connect --file`, or its default): the same JSON as the Secrets Manager secret. By default it
 * lives in the local state folder `.trueup/` of the working directory (beside `local.json`),
 * never in a data folder that may be shared or committed. The file is written owner-only
 * (0600, its folder 0700) and replaced atomically (a temporary sibling renamed over it), so a
 * crash mid-write leaves the previous token set, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BooksSystemName, BooksTokens, BooksTokenStore } from '../../app/books-ports.js';
import { BooksTokensError, connectHint, parseStoredTokens, storedTokensJson } from './token-json.js';

/** The local state folder of the CLI (bin/connection.ts keeps `local.json` there too). */
export const LOCAL_STATE_DIR = '.trueup';

/** `.trueup/books-<system>.json` under `cwd`: where the CLI keeps a connection by default. */
export function defaultTokenFile(system: BooksSystemName, cwd: string = process.cwd()): string {
  return resolve(cwd, LOCAL_STATE_DIR, `books-${system}.json`);
}

export class FileTokenStore implements BooksTokenStore {
  readonly path: string;

  constructor(
    path: string,
    private readonly system: BooksSystemName,
  ) {
    this.path = resolve(path);
  }

  async read(): Promise<BooksTokens> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new BooksTokensError(`No books connection in ${this.path}: ${connectHint(this.system)}`);
      throw error;
    }
    return parseStoredTokens(text, this.system, `The books connection file ${this.path}`);
  }

  async write(tokens: BooksTokens): Promise<void> {
    const json = storedTokensJson(tokens, this.system);
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, `${json}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(temporary, 0o600); // the mode of a new file is masked by the umask
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
