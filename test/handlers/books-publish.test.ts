/**
 * The publish function's own logic: nothing (and no secret read) without `accounting.publish`;
 * otherwise the configured system's adapter, on a token store reading the books secret, handed
 * to the publisher for the run's date.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AccountingSystem, BooksTokenStore } from '../../functions/app/books-ports.js';
import {
  awsBooksWiring,
  booksSecretArn,
  type BooksDeps,
  type SystemFactories,
} from '../../functions/adapters/books/aws-books.js';
import type { AccountingSettings } from '../../functions/domain/billing-types.js';
import { memoryDeps } from '../fakes/memory-ports.js';
import { reference, settings } from '../support/builders.js';
import { startSecretsManager, type SecretsManagerStandIn } from '../support/secrets-manager-server.js';

type Handler = typeof import('../../functions/handlers/books-publish.js');
let books: Handler;
let sm: SecretsManagerStandIn;
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:TrueUpBooksSecret-AbCdEf';

beforeAll(async () => {
  vi.stubEnv('TABLE_NAME', 'trueup-test');
  vi.stubEnv('USAGE_BUCKET', 'usage');
  vi.stubEnv('ARTIFACTS_BUCKET', 'artifacts');
  vi.stubEnv('WORK_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/work');
  vi.stubEnv('DISCREPANCY_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/discrepancies');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('BOOKS_SECRET_ARN', SECRET);
  books = await import('../../functions/handlers/books-publish.js');
  sm = await startSecretsManager({
    'TrueUpBooksSecret-AbCdEf': JSON.stringify({
      system: 'xero',
      clientId: 'id',
      clientSecret: 'secret',
      refreshToken: 'r1',
      tenantId: 't1',
    }),
  });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await sm.close();
});

const accounting = (system: 'xero' | 'quickbooks'): AccountingSettings => ({
  accountsReceivable: '1200 Accounts Receivable',
  salesTaxPayable: '2200 Sales Tax Payable',
  lateFeeIncome: '4900 Late Fees',
  defaultIncome: '4000 Sales',
  undepositedFunds: '1250 Undeposited Funds',
  unappliedCash: '2300 Unapplied Cash',
  clientCredit: '2400 Client Credit',
  surchargeIncome: '4950 Surcharges',
  providerFees: '6100 Provider Fees',
  publish: { system, from: '2026-01-01' },
});

const system = { system: 'xero' } as AccountingSystem;
const result = { published: 3, refused: 1, waiting: 2, transient: 0 };

describe('books-publish', () => {
  it('publishes nothing and builds no adapter without accounting.publish (or without reference data)', async () => {
    const deps = memoryDeps();
    const wiring = { publish: vi.fn(), books: vi.fn() };
    await expect(books.publishDay(deps, '2026-03-02', wiring)).resolves.toEqual({
      date: '2026-03-02',
      skipped: 'no reference data imported yet: nothing to publish',
    });
    await deps.ledger.saveReferenceData(reference());
    await expect(books.publishDay(deps, '2026-03-02', wiring)).resolves.toEqual({
      date: '2026-03-02',
      skipped: 'accounting.publish is not set in trueup.json: nothing to publish',
    });
    expect(wiring.publish).not.toHaveBeenCalled();
    expect(wiring.books).not.toHaveBeenCalled();
  });

  it("hands the publisher the configured system's adapter and the run's date", async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(reference({ settings: settings({ accounting: accounting('quickbooks') }) }));
    const seen: { books?: unknown; today?: string }[] = [];
    const wiring = {
      publish: async (given: BooksDeps, input: { today: string }) => {
        seen.push({ books: given.books, today: input.today });
        expect(given.ledger).toBe(deps.ledger);
        return result;
      },
      books: vi.fn(() => ({ system })),
    };
    await expect(books.publishDay(deps, '2026-03-02', wiring)).resolves.toEqual({
      date: '2026-03-02',
      system: 'quickbooks',
      ...result,
    });
    expect(wiring.books).toHaveBeenCalledWith('quickbooks');
    expect(seen).toEqual([{ books: { system }, today: '2026-03-02' }]);
  });

  it('builds the adapter of the system on a token store that reads the books secret', async () => {
    const stores: BooksTokenStore[] = [];
    const factories: SystemFactories = {
      xero: ({ tokens }) => {
        stores.push(tokens);
        return system;
      },
      quickbooks: () => {
        throw new Error('not this one');
      },
    };
    const wiring = awsBooksWiring('xero', { client: sm.client(), secretId: SECRET, factories });
    expect(wiring.system).toBe(system);
    await expect(stores[0]?.read()).resolves.toMatchObject({ refreshToken: 'r1', tenantId: 't1' });
    // The same secret read for the other system is refused, not handed to the wrong adapter.
    const qbo = awsBooksWiring('quickbooks', {
      client: sm.client(),
      secretId: SECRET,
      factories: { ...factories, quickbooks: ({ tokens }) => (stores.push(tokens), system) },
    });
    expect(qbo.system).toBe(system);
    await expect(stores[1]?.read()).rejects.toThrow(/holds a xero connection/);
  });

  it('names BOOKS_SECRET_ARN when the function was deployed without it', () => {
    expect(booksSecretArn({ BOOKS_SECRET_ARN: SECRET })).toBe(SECRET);
    expect(() => booksSecretArn({})).toThrow(
      'TrueUp function misconfigured: BOOKS_SECRET_ARN is not set (the CDK stack sets it on books-publish when `books: true`)',
    );
  });

  it('fails a run with transient errors after its metrics, so Lambda retries it (and the DLQ alarm fires past that)', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(reference({ settings: settings({ accounting: accounting('xero') }) }));
    const { metrics } = await import('../../functions/handlers/runtime.js');
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = books.booksPublishHandler(deps, {
      publish: async () => ({ ...result, transient: 2 }),
      books: () => ({ system }),
    });
    await expect(handler({ date: '2026-03-02' }, {} as never)).rejects.toThrow(
      '2 document(s) could not be published to xero this run (timeouts, rate limits, server errors; see the log); they are retried',
    );
    expect(added.mock.calls).toEqual([
      ['BooksPublished', 'Count', 3],
      ['BooksRefused', 'Count', 1],
      ['BooksWaiting', 'Count', 2],
      ['BooksTransientErrors', 'Count', 2],
    ]);
    expect(published).toHaveBeenCalledTimes(1);
    const ok = books.booksPublishHandler(deps, { publish: async () => result, books: () => ({ system }) });
    await expect(ok({ date: '2026-03-02' }, {} as never)).resolves.toEqual({
      date: '2026-03-02',
      system: 'xero',
      ...result,
    });
  });

  it('rejects a re-run event whose date is not a day, before reading anything', async () => {
    await expect(books.handler({ date: '2026-02-30' }, {} as never)).rejects.toThrow(/date must be YYYY-MM-DD/);
  });
});
