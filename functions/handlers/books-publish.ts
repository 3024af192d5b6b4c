/**
 * Scheduled daily (MSP time zone), after payments are applied: publishes the day's customers,
 * invoices, credit notes and payments to QuickBooks Online or Xero (docs/accounting.md,
 * "Publishing"). Deployed only when the CDK config has `books: true`; does nothing unless
 * trueup.json has `accounting.publish` too.
 *
 * No Powertools idempotency record: the publisher's own log (BOOKS#<system>, a published record
 * final) makes a second run of a day push only what is left, and an operator's re-run after
 * fixing a refused document (`{"date":"YYYY-MM-DD"}`) must try it again, not replay a result.
 * Reserved concurrency 1 keeps runs (and token refreshes) one at a time.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import type { Deps } from '../app/deps.js';
import type { BooksSystemName } from '../app/books-ports.js';
import type { IsoDate } from '../domain/dates.js';
import {
  awsBooksWiring,
  booksSecretArn,
  publishBooks,
  type BooksWiring,
  type PublishBooks,
  type PublishBooksResult,
} from '../adapters/books/aws-books.js';
import { deps as pipelineDeps, logger, metrics, runDate } from './runtime.js';

export type BooksPublishOutcome =
  | ({ readonly date: IsoDate; readonly system: BooksSystemName } & PublishBooksResult)
  | { readonly date: IsoDate; readonly skipped: string };

export interface BooksPublishWiring {
  readonly publish: PublishBooks;
  /** The adapter of the configured system (built only when there is something to publish to). */
  books(system: BooksSystemName): BooksWiring;
}

/** One run: nothing without `accounting.publish`, else the publisher with the system's adapter. */
export async function publishDay(deps: Deps, today: IsoDate, wiring: BooksPublishWiring): Promise<BooksPublishOutcome> {
  const reference = await deps.ledger.loadReferenceData();
  const publish = reference?.settings.accounting?.publish;
  if (!publish) {
    const skipped = reference
      ? 'accounting.publish is not set in trueup.json: nothing to publish'
      : 'no reference data imported yet: nothing to publish';
    deps.log.info(skipped, { date: today });
    return { date: today, skipped };
  }
  const result = await wiring.publish({ ...deps, books: wiring.books(publish.system) }, { today });
  deps.log.info('books published', { date: today, system: publish.system, ...result });
  return { date: today, system: publish.system, ...result };
}

/**
 * A run with documents that hit transient errors fails after its metrics are out, so Lambda
 * retries it and, past the retries, the DLQ alarm fires; the next day's run retries them too.
 */
export class TransientBooksErrors extends Error {
  override readonly name = 'TransientBooksErrors';
}

/** The handler over given deps and wiring (tests pass memory ports and a fake publisher). */
export function booksPublishHandler(
  deps: Deps,
  wiring: BooksPublishWiring,
): (event: unknown, context: Context) => Promise<BooksPublishOutcome> {
  return async (event, context) => {
    logger.addContext(context);
    const outcome = await publishDay(deps, runDate(event), wiring);
    if ('skipped' in outcome) return outcome;
    metrics.addMetric('BooksPublished', 'Count', outcome.published);
    metrics.addMetric('BooksRefused', 'Count', outcome.refused);
    metrics.addMetric('BooksWaiting', 'Count', outcome.waiting);
    metrics.addMetric('BooksTransientErrors', 'Count', outcome.transient);
    metrics.publishStoredMetrics();
    if (outcome.transient > 0)
      throw new TransientBooksErrors(
        `${outcome.transient} document(s) could not be published to ${outcome.system} this run (timeouts, rate limits, server errors; see the log); they are retried`,
      );
    return outcome;
  };
}

const secrets = new SecretsManagerClient({});
const secretId = booksSecretArn(process.env);

export const handler = booksPublishHandler(pipelineDeps, {
  publish: publishBooks,
  books: (system) => awsBooksWiring(system, { client: secrets, secretId }),
});
