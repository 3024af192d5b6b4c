/**
 * The books stand-ins of the local runtime (functions/local-runner/embedded-books.ts): the chart
 * they hold comes from the data folder, and the CLI's commands (each a new process) reach the
 * stand-in `trueup local` runs through a token file, across refresh-token rotation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../functions/adapters/books/file-token-store.js';
import { DEFAULT_ACCOUNTS } from '../../functions/domain/reference/settings.js';
import {
  chartAccounts,
  localBooksSystem,
  startEmbeddedBooks,
  xeroChartOf,
} from '../../functions/local-runner/embedded-books.js';
import { product, reference, settings } from '../support/builders.js';

describe('the stand-in chart', () => {
  it('holds every account the settings and products name, once', () => {
    const ref = reference({
      settings: settings({
        accounting: {
          ...DEFAULT_ACCOUNTS,
          salesTaxPayableByRate: { '8.25': '2210 Texas Sales Tax' },
          publish: { system: 'xero', from: '2026-01-01', paymentAccount: '1010 Operating Bank' },
        },
      }),
      products: [
        product({ sku: 'A', incomeAccount: '4100 Licensing' }),
        product({ sku: 'B', incomeAccount: '4000 Sales' }),
      ],
    });
    const accounts = chartAccounts(ref);
    expect(accounts).toContain('2210 Texas Sales Tax');
    expect(accounts).toContain('1010 Operating Bank');
    expect(accounts).toContain('4100 Licensing');
    expect(accounts.filter((a) => a === '4000 Sales')).toHaveLength(1);
    expect(accounts).toEqual([...accounts].sort());
  });

  it('gives Xero a code and a type for each, inventing codes for accounts named without one', () => {
    const chart = xeroChartOf(['1250 Undeposited Funds', '2300 Unapplied Cash', '4900 Late Fee Income', 'Consulting']);
    expect(chart).toEqual([
      { code: '090', name: 'Business Bank Account', type: 'BANK' },
      { code: '1250', name: 'Undeposited Funds', type: 'CURRENT', enablePayments: true },
      { code: '2300', name: 'Unapplied Cash', type: 'CURRLIAB' },
      { code: '4900', name: 'Late Fee Income', type: 'OTHERINCOME' },
      { code: 'T001', name: 'Consulting', type: 'REVENUE' },
    ]);
  });
});

describe('a stand-in reached from other processes (trueup local and its CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-local-books-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const system of ['xero', 'quickbooks'] as const) {
    it(`${system}: each command's adapter refreshes through the shared token file and finds what an earlier one created`, async () => {
      const books = await startEmbeddedBooks(system, reference(), { now: () => Date.parse('2026-02-01T12:00:00Z') });
      try {
        const file = join(dir, `${system}.json`);
        await new FileTokenStore(file, system).write(books.initialTokens);
        const address = { system, url: books.url };
        const customer = { clientId: 'alder-dental', name: 'Alder Creek Dental', currency: 'USD' };
        // Two "commands", one after the other, each with its own adapter and a fresh read of the file.
        const first = localBooksSystem(address, new FileTokenStore(file, system));
        const created = await first.createCustomer(customer, 'trueup-customer-alder-dental');
        const second = localBooksSystem(address, new FileTokenStore(file, system));
        expect(await second.findCustomer('alder-dental')).toEqual(created);
        expect((await new FileTokenStore(file, system).read()).refreshToken).not.toBe(books.initialTokens.refreshToken);
      } finally {
        await books.stop();
      }
    });
  }
});
