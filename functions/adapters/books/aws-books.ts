/**
 * Publishing to the books on AWS: the accounting system of the publish function, built from
 * the one books secret (BOOKS_SECRET_ARN) for trueup.json's `accounting.publish.system`.
 *
 * Only functions/handlers/books-publish.ts imports this module: the adapters behind it carry
 * xero-node and intuit-oauth (and their HTTP clients), which no other bundle should.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AccountingSystem, BooksSystemName, BooksTokenStore } from '../../app/books-ports.js';
import type { Deps } from '../../app/deps.js';
import type { IsoDate } from '../../domain/dates.js';
import { SecretsTokenStore } from './secrets-token-store.js';

// ==== MERGE SEAM (H4 ↔ H1 publisher, H2 Xero, H3 QuickBooks) ==================================
// These declarations stand in for modules written on other branches, with the signatures
// DESIGN-20 fixes, so that this branch compiles. At the merge, replace this block with:
//
//   import type { BooksWiring, Deps as BooksDeps } from '../../app/deps.js';
//   import { publishBooks, type PublishBooksResult } from '../../app/publish-books.js';
//   import { xeroSystem } from './xero.js';
//   import { quickBooksSystem } from './quickbooks.js';
//   export type PublishBooks = typeof publishBooks;
//   export { publishBooks };
//   export const systemFactories: SystemFactories = { xero: xeroSystem, quickbooks: quickBooksSystem };
//
// and keep `SystemFactory`/`SystemFactories` below (adapting the options if the adapters take more).

/** `Deps.books` (functions/app/deps.ts, H1). */
export interface BooksWiring {
  readonly system: AccountingSystem;
}
/** `Deps` with `books` (H1 adds it to Deps itself). */
export type BooksDeps = Deps & { readonly books?: BooksWiring };
/** What publishBooks reports (functions/app/publish-books.ts, H1). */
export interface PublishBooksResult {
  readonly published: number;
  readonly refused: number;
  readonly waiting: number;
  readonly transient: number;
}
export type PublishBooks = (deps: BooksDeps, input: { readonly today: IsoDate }) => Promise<PublishBooksResult>;

const notMerged = (what: string): never => {
  throw new Error(`${what} is not on this branch: aws-books.ts's merge seam must be wired (see its comment)`);
};
export const publishBooks: PublishBooks = async () => notMerged('publishBooks (functions/app/publish-books.ts)');
export const systemFactories: SystemFactories = {
  xero: () => notMerged('xeroSystem (functions/adapters/books/xero.ts)'),
  quickbooks: () => notMerged('quickBooksSystem (functions/adapters/books/quickbooks.ts)'),
};
// ==== END OF MERGE SEAM ======================================================================

/** Builds an adapter on its token store (xeroSystem, quickBooksSystem). */
export type SystemFactory = (options: { readonly tokens: BooksTokenStore }) => AccountingSystem;
export type SystemFactories = Readonly<Record<BooksSystemName, SystemFactory>>;

export interface BooksEnv {
  readonly BOOKS_SECRET_ARN?: string | undefined;
}

/** The books secret's ARN, set by the CDK stack on the publish function only (`books: true`). */
export function booksSecretArn(env: BooksEnv): string {
  const arn = env.BOOKS_SECRET_ARN?.trim();
  if (!arn)
    throw new Error(
      'TrueUp function misconfigured: BOOKS_SECRET_ARN is not set (the CDK stack sets it on books-publish when `books: true`)',
    );
  return arn;
}

/** The publish function's wiring: the adapter of `system`, its tokens in the books secret. */
export function awsBooksWiring(
  system: BooksSystemName,
  options: { readonly client: SecretsManagerClient; readonly secretId: string; readonly factories?: SystemFactories },
): BooksWiring {
  const tokens = new SecretsTokenStore({ client: options.client, secretId: options.secretId, system });
  return { system: (options.factories ?? systemFactories)[system]({ tokens }) };
}
