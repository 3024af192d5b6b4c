/**
 * The stored form of a books connection (`BooksTokens`), shared by the Secrets Manager store
 * and the file store: the JSON `trueup accounting connect` writes and every refresh rewrites.
 * It carries the system it was connected to, so tokens of one system are never handed to the
 * other's adapter. Errors name the fields and where they were read, never a value.
 */
import { z } from 'zod';
import type { BooksSystemName, BooksTokens } from '../../app/books-ports.js';

const StoredTokens = z.object({
  system: z.enum(['quickbooks', 'xero']).optional(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  expiresAt: z.number().int().nonnegative().optional(),
  tenantId: z.string().min(1).optional(),
  realmId: z.string().min(1).optional(),
  environment: z.enum(['sandbox', 'production']).optional(),
});

/** What each system needs beside the tokens: the organisation (Xero) or the company (QuickBooks). */
const REQUIRED_BY_SYSTEM: Readonly<Record<BooksSystemName, keyof BooksTokens>> = {
  xero: 'tenantId',
  quickbooks: 'realmId',
};

export class BooksTokensError extends Error {
  override readonly name = 'BooksTokensError';
}

/** How to (re)connect, for the messages: the operator's next step. */
export function connectHint(system: BooksSystemName): string {
  return `run \`trueup accounting connect --system ${system} …\` (docs/deploy.md, "Connect the books")`;
}

/**
 * Parses the stored JSON text for `system`. `where` names the secret or file in the error;
 * the error lists the missing or invalid fields (by name only: the values are credentials).
 */
export function parseStoredTokens(text: string | undefined, system: BooksSystemName, where: string): BooksTokens {
  if (text === undefined || text.trim() === '')
    throw new BooksTokensError(`${where} is empty: the books are not connected; ${connectHint(system)}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BooksTokensError(`${where} is not JSON; ${connectHint(system)}`);
  }
  const parsed = StoredTokens.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} (${reason(issue)})`);
    throw new BooksTokensError(
      `${where} lacks or has an invalid ${[...new Set(fields)].join(', ')}: the books are not connected; ${connectHint(system)}`,
    );
  }
  const { system: stored, ...tokens } = parsed.data;
  if (stored !== undefined && stored !== system)
    throw new BooksTokensError(
      `${where} holds a ${stored} connection, but trueup.json accounting.publish.system is ${system}; ${connectHint(system)}`,
    );
  const required = REQUIRED_BY_SYSTEM[system];
  if (tokens[required] === undefined)
    throw new BooksTokensError(`${where} lacks ${required}, which ${system} needs; ${connectHint(system)}`);
  return tokens;
}

/** The JSON text stored for `tokens` of `system` (no undefined fields). */
export function storedTokensJson(tokens: BooksTokens, system: BooksSystemName): string {
  const parsed = StoredTokens.safeParse({ ...tokens, system });
  if (!parsed.success)
    throw new BooksTokensError(
      `Refusing to store an invalid ${system} token set: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  return JSON.stringify(parsed.data);
}

function reason(issue: { code: string; message: string }): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'missing';
  return issue.code === 'invalid_type' ? 'wrong type' : 'invalid';
}
