/**
 * `pax8`: the Pax8 Partner API (https://devx.pax8.com). OAuth client credentials
 * (`POST /v1/token` with client_id, client_secret, audience, grant_type), then
 * `GET /v1/invoices` and, per invoice not pulled before, every page of
 * `GET /v1/invoices/{id}/items`, written as one Pax8 invoice-items CSV with the API's field
 * names (docs/contract.md §3: companyId, sku, quantity, startPeriod, cost, costTotal,
 * currencyCode, id). An invoice's identity is `invoice:<id>`; Void invoices are skipped.
 */
import { ClientCredentials, CLIENT_CREDENTIALS_SHAPE, describeRef, jsonSecret } from '../credentials.js';
import { CredentialError, PermanentSourceError } from '../errors.js';
import { httpError, json, send } from '../http.js';
import { toCsv, type Driver, type DriverContext, type RemoteFile } from './driver.js';

type Ctx = DriverContext<'pax8'>;

export const PAX8_API = 'https://api.pax8.com';
const PAGE_SIZE = 200;

/** Columns first in the CSV (the ingest's Pax8 format needs the first four). */
export const PAX8_COLUMNS = [
  'companyId',
  'sku',
  'quantity',
  'startPeriod',
  'endPeriod',
  'cost',
  'costTotal',
  'currencyCode',
  'id',
  'invoiceId',
  'type',
  'companyName',
  'externalId',
  'productId',
  'productName',
  'description',
  'unitOfMeasure',
  'term',
  'chargeType',
  'rateType',
  'price',
  'subTotal',
  'total',
  'subscriptionId',
] as const;

interface Page<T> {
  content?: T[];
  page?: { size?: number; totalElements?: number; totalPages?: number; number?: number };
}
interface Invoice {
  id: string;
  invoiceDate?: string;
  status?: string;
  currencyCode?: string;
}

function base(ctx: Ctx): string {
  return (ctx.source.apiUrl ?? PAX8_API).replace(/\/+$/, '');
}

async function token(ctx: Ctx): Promise<string> {
  const creds = jsonSecret(await ctx.secret(), ClientCredentials, ctx.source.credential, CLIENT_CREDENTIALS_SHAPE);
  const url = ctx.source.tokenUrl ?? `${base(ctx)}/v1/token`;
  const res = await send(
    {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        client_id: creds.clientId,
        client_secret: creds.clientSecret,
        audience: ctx.source.audience ?? 'https://api.pax8.com',
        grant_type: 'client_credentials',
      }),
    },
    ctx.http,
  );
  const refused = (message: string): Error =>
    new CredentialError(`${message}: Pax8 refused the client credentials in ${describeRef(ctx.source.credential)}`);
  if (res.status === 400) throw refused(httpError('the Pax8 token endpoint', res, refused).message);
  if (res.status !== 200) throw httpError('the Pax8 token endpoint', res, refused);
  const body = json<{ access_token?: string }>('the Pax8 token endpoint', res);
  if (!body.access_token) throw new PermanentSourceError('the Pax8 token endpoint answered no access_token');
  return body.access_token;
}

async function getPage<T>(ctx: Ctx, bearer: string, path: string, query: Record<string, string>): Promise<Page<T>> {
  const url = new URL(`${base(ctx)}${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await send(
    { url: url.toString(), headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } },
    ctx.http,
  );
  if (res.status !== 200)
    throw httpError(`Pax8 GET ${path}`, res, (m) => new CredentialError(`${m}: the Pax8 token was refused`));
  return json<Page<T>>(`Pax8 GET ${path}`, res);
}

async function* pages<T>(
  ctx: Ctx,
  bearer: string,
  path: string,
  query: Record<string, string> = {},
): AsyncGenerator<T> {
  for (let page = 0; ; page += 1) {
    const body = await getPage<T>(ctx, bearer, path, { ...query, page: String(page), size: String(PAGE_SIZE) });
    for (const item of body.content ?? []) yield item;
    const totalPages = body.page?.totalPages ?? 1;
    if (page + 1 >= totalPages || (body.content ?? []).length === 0) return;
  }
}

export const pax8Driver: Driver<'pax8'> = {
  async test(ctx) {
    const bearer = await token(ctx);
    const first = await getPage<Invoice>(ctx, bearer, '/v1/invoices', { page: '0', size: '1' });
    return `token accepted; ${first.page?.totalElements ?? (first.content ?? []).length} invoice(s) visible`;
  },

  async *list(ctx): AsyncGenerator<RemoteFile> {
    const bearer = await token(ctx);
    const query: Record<string, string> = ctx.source.since ? { invoiceDateRangeStart: ctx.source.since } : {};
    const invoices: Invoice[] = [];
    for await (const invoice of pages<Invoice>(ctx, bearer, '/v1/invoices', query)) {
      if (typeof invoice.id === 'string' && invoice.id !== '' && invoice.status !== 'Void') invoices.push(invoice);
    }
    invoices.sort((a, b) => (a.invoiceDate ?? '').localeCompare(b.invoiceDate ?? '') || a.id.localeCompare(b.id));
    for (const invoice of invoices) {
      yield {
        remoteId: `invoice:${invoice.id}`,
        remoteName: `pax8 invoice ${invoice.id}${invoice.invoiceDate ? ` of ${invoice.invoiceDate}` : ''}`,
        fileName: `pax8-invoice-${invoice.invoiceDate ?? 'undated'}-${invoice.id.replace(/[^A-Za-z0-9-]/g, '_')}.csv`,
        fetch: async () => {
          const items: Record<string, unknown>[] = [];
          for await (const item of pages<Record<string, unknown>>(
            ctx,
            bearer,
            `/v1/invoices/${encodeURIComponent(invoice.id)}/items`,
          )) {
            items.push({
              ...item,
              invoiceId: item.invoiceId ?? invoice.id,
              currencyCode: item.currencyCode ?? invoice.currencyCode,
            });
          }
          return Buffer.from(toCsv(items, PAX8_COLUMNS), 'utf8');
        },
      };
    }
  },
};
