/**
 * A ledger in memory with what the console shows: three clients in hold mode, a month of usage
 * (C001 uses 12 seats on an agreement of 10: a true-up and an under_billed discrepancy; C002
 * and C003 none: missing_usage), the billing run's drafts and discrepancies stored, and a
 * request builder for the console's router.
 */
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../../../functions/app/messages.js';
import { ingestUsageFile } from '../../../functions/app/ingest-usage-file.js';
import { runBilling } from '../../../functions/app/run-billing.js';
import { storeDiscrepancy } from '../../../functions/app/store-discrepancy.js';
import { handleWorkMessage } from '../../../functions/app/work-messages.js';
import { handleConsoleRequest } from '../../../functions/app/console/router.js';
import { csrfToken } from '../../../functions/app/console/forms.js';
import type { ConsoleUser, HttpRequest, HttpResponse } from '../../../functions/app/http-types.js';
import type { Settings } from '../../../functions/domain/billing-types.js';
import { agreement, client, reference, settings } from '../../support/builders.js';
import { memoryDeps, type MemoryDeps } from '../../fakes/memory-ports.js';

export const KEY = 'console-test-key';
export const ADMIN: ConsoleUser = { id: 'ann', role: 'admin' };
export const VIEWER: ConsoleUser = { id: 'vic', role: 'viewer' };
/** 2025-02-03 10:00 UTC: after the billing run of 2025-01. */
export const NOW = new Date('2025-02-03T10:00:00.000Z');

export const USAGE_CSV =
  'vendor,account_id,vendor_sku,quantity,usage_date\nmicrosoft,T1,seat-sku,12,2025-01-20\nmicrosoft,T1,seat-sku,oops,2025-01-21\n';

export async function drain(deps: MemoryDeps): Promise<void> {
  await deps.discrepancyQueue.drain(DiscrepancyMessageSchema, async (m) => {
    await storeDiscrepancy(deps, m);
  });
  await deps.workQueue.drain(WorkMessageSchema, (m) => handleWorkMessage(deps, m));
}

export async function consoleData(): Promise<MemoryDeps> {
  const deps = memoryDeps();
  const s: Settings = settings({ invoice: { ...settings().invoice, review: 'hold' } });
  await deps.ledger.saveReferenceData(
    reference({
      settings: s,
      clients: [
        client(),
        client({ clientId: 'C002', name: 'Client <Two>', billingEmails: ['ap@c2.example'] }),
        client({ clientId: 'C003', name: 'Client Three', billingEmails: ['ap@c3.example'] }),
      ],
      agreements: [
        agreement(),
        agreement({ agreementId: 'A2', clientId: 'C002' }),
        agreement({ agreementId: 'A3', clientId: 'C003' }),
      ],
    }),
  );
  const key = 'inbox/ms-2025-01.csv';
  await deps.usage.put(key, USAGE_CSV);
  await ingestUsageFile(deps, { key, today: '2025-01-31' });
  await runBilling(deps, { today: '2025-02-01' });
  await drain(deps);
  return deps;
}

export function get(path: string, query: Record<string, string> = {}): HttpRequest {
  return { method: 'GET', path, query, headers: { host: 'console.test' }, body: '' };
}

export function post(
  path: string,
  fields: [string, string][],
  user: ConsoleUser = ADMIN,
  headers: Record<string, string> = {},
): HttpRequest {
  const body = new URLSearchParams([['csrf', csrfToken(KEY, user.id)], ...fields]).toString();
  return {
    method: 'POST',
    path,
    query: {},
    headers: { host: 'console.test', 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  };
}

export function ask(deps: MemoryDeps, request: HttpRequest, user: ConsoleUser = ADMIN): Promise<HttpResponse> {
  return handleConsoleRequest(deps, request, user, { key: KEY, now: () => NOW });
}

/** Follows a 303 as a browser does: GET the location, with its query. */
export async function follow(
  deps: MemoryDeps,
  response: HttpResponse,
  user: ConsoleUser = ADMIN,
): Promise<HttpResponse> {
  const url = new URL(response.headers.location ?? '/', 'http://console.test');
  return ask(deps, get(url.pathname, Object.fromEntries(url.searchParams)), user);
}
