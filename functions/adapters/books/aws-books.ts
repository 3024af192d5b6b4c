/**
 * Publishing to the books on AWS: the accounting system of the publish function, built from
 * the one books secret (BOOKS_SECRET_ARN) for trueup.json's `accounting.publish.system`.
 *
 * Only functions/handlers/books-publish.ts imports this module: the adapters behind it carry
 * xero-node and intuit-oauth (and their HTTP clients), which no other bundle should.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AccountingSystem, BooksSystemName, BooksTokenStore } from '../../app/books-ports.js';
import type { BooksWiring, Deps } from '../../app/deps.js';
import { BooksPublishError, publishBooks as runPublisher } from '../../app/publish-books.js';
import { xeroAccountingSystem } from './xero.js';
import { createQuickBooks } from './quickbooks.js';

export type { BooksWiring } from '../../app/deps.js';
/** `Deps` with the accounting system wired. */
export type BooksDeps = Deps & { readonly books?: BooksWiring };
import type { IsoDate } from '../../domain/dates.js';
import { SecretsTokenStore } from './secrets-token-store.js';

/** What the scheduled job reports of one run (the handler's metrics). */
export interface PublishBooksResult {
  readonly published: number;
  readonly refused: number;
  readonly waiting: number;
  /** Documents that hit transient errors (timeouts, rate limits, 5xx): the run fails and is retried. */
  readonly transient: number;
}
export type PublishBooks = (deps: BooksDeps, input: { readonly today: IsoDate }) => Promise<PublishBooksResult>;

/**
 * The publisher, its transient failures counted instead of thrown, so that the handler can put
 * out its metrics before failing the run (the documents it did publish are recorded either way).
 */
export const publishBooks: PublishBooks = async (deps, input) => {
  try {
    const result = await runPublisher(deps, input);
    return { published: result.published, refused: result.refused, waiting: result.waiting, transient: 0 };
  } catch (error) {
    if (!(error instanceof BooksPublishError)) throw error;
    deps.log.warn('books: transient errors', { error: error.message });
    return { published: 0, refused: 0, waiting: 0, transient: error.failures.length };
  }
};

export const systemFactories: SystemFactories = {
  xero: (options) => xeroAccountingSystem(options),
  quickbooks: (options) => createQuickBooks(options),
};

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
