/**
 * `partner-center`: Microsoft Partner Center new-commerce billed invoice reconciliation.
 *
 * 1. Entra ID client credentials (`POST {login}/{tenant}/oauth2/v2.0/token`), one token for
 *    the Partner Center API and one for Microsoft Graph (`PartnerBilling.Read.All`).
 * 2. `GET {partnerCenter}/v1/invoices`: the invoices; new-commerce ones (ids starting "G")
 *    not pulled before are exported.
 * 3. `POST {graph}/v1.0/reports/partners/billing/reconciliation/billed/export`
 *    `{ invoiceId, attributeSet }` → `202 Accepted` with a `Location` to poll.
 * 4. `GET Location` until the operation is `succeeded` (a failed one is retried on the next
 *    attempt); its `resourceLocation` manifest names blobs under `rootDirectory` readable with
 *    `sasToken` (gzip-compressed JSON lines).
 * 5. The lines become one reconciliation CSV with the export's PascalCase attribute names
 *    (PartnerId, CustomerId, ProductId, SkuId, ChargeType, ChargeStartDate, BillableQuantity…),
 *    which the ingest reads as the Partner Center format (docs/contract.md §3).
 */
import { gunzipSync } from 'node:zlib';
import { ClientCredentials, CLIENT_CREDENTIALS_SHAPE, describeRef, jsonSecret } from '../credentials.js';
import { CredentialError, PermanentSourceError, SourceError } from '../errors.js';
import { httpError, json, redact, send, type HttpResponse } from '../http.js';
import { toCsv, type Driver, type DriverContext, type RemoteFile } from './driver.js';

type Ctx = DriverContext<'partner-center'>;

export const PARTNER_CENTER_COLUMNS = [
  'PartnerId',
  'CustomerId',
  'CustomerName',
  'InvoiceNumber',
  'ProductId',
  'SkuId',
  'AvailabilityId',
  'SkuName',
  'ProductName',
  'ChargeType',
  'ChargeStartDate',
  'ChargeEndDate',
  'BillableQuantity',
  'Quantity',
  'UnitPrice',
  'EffectiveUnitPrice',
  'Subtotal',
  'TaxTotal',
  'TotalForCustomer',
  'Currency',
] as const;

const urls = (ctx: Ctx) => ({
  login: (ctx.source.loginUrl ?? 'https://login.microsoftonline.com').replace(/\/+$/, ''),
  partnerCenter: (ctx.source.partnerCenterUrl ?? 'https://api.partnercenter.microsoft.com').replace(/\/+$/, ''),
  graph: (ctx.source.graphUrl ?? 'https://graph.microsoft.com').replace(/\/+$/, ''),
});

const PC_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

async function token(ctx: Ctx, scope: string): Promise<string> {
  const creds = jsonSecret(await ctx.secret(), ClientCredentials, ctx.source.credential, CLIENT_CREDENTIALS_SHAPE);
  const body = new URLSearchParams({
    client_id: creds.clientId,
    client_secret: creds.clientSecret,
    scope,
    grant_type: 'client_credentials',
  }).toString();
  const res = await send(
    {
      method: 'POST',
      url: `${urls(ctx).login}/${encodeURIComponent(ctx.source.tenantId)}/oauth2/v2.0/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    },
    ctx.http,
  );
  const refused = (message: string): Error =>
    new CredentialError(
      `${message}: Microsoft Entra ID refused the client credentials in ${describeRef(ctx.source.credential)} for tenant ${ctx.source.tenantId}`,
    );
  if (res.status === 400 || res.status === 401)
    throw refused(httpError('the Entra ID token endpoint', res, refused).message);
  if (res.status !== 200) throw httpError('the Entra ID token endpoint', res, refused);
  const answer = json<{ access_token?: string }>('the Entra ID token endpoint', res);
  if (!answer.access_token) throw new PermanentSourceError('the Entra ID token endpoint answered no access_token');
  return answer.access_token;
}

function apiRefused(what: string) {
  return (message: string): Error => new CredentialError(`${message}: the app lacks ${what}`);
}

interface PcInvoice {
  id: string;
  invoiceDate?: string;
  currencyCode?: string;
}
interface PcCollection {
  items?: PcInvoice[];
  links?: { next?: { uri?: string; headers?: { key: string; value: string }[] } };
}

async function invoices(ctx: Ctx, bearer: string): Promise<PcInvoice[]> {
  const found: PcInvoice[] = [];
  let url: string | undefined = `${urls(ctx).partnerCenter}/v1/invoices`;
  let extra: Record<string, string> = {};
  for (let pages = 0; url && pages < 100; pages += 1) {
    const res: HttpResponse = await send(
      { url, headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', ...extra } },
      ctx.http,
    );
    if (res.status !== 200)
      throw httpError(
        'Partner Center GET /v1/invoices',
        res,
        apiRefused('Partner Center API access (the app must be registered in Partner Center)'),
      );
    const body = json<PcCollection>('Partner Center GET /v1/invoices', res);
    found.push(...(body.items ?? []).filter((i) => typeof i.id === 'string' && i.id !== ''));
    const next = body.links?.next;
    url = next?.uri ? new URL(next.uri, `${urls(ctx).partnerCenter}/v1/`).toString() : undefined;
    extra = Object.fromEntries((next?.headers ?? []).map((h) => [h.key, h.value]));
  }
  return found;
}

interface Manifest {
  rootDirectory?: string;
  sasToken?: string;
  eTag?: string;
  dataFormat?: string;
  blobs?: { name?: string }[];
}
interface Operation {
  status?: string;
  resourceLocation?: Manifest;
  error?: { code?: string; message?: string };
}

async function exportInvoice(
  ctx: Ctx,
  bearer: string,
  invoiceId: string,
): Promise<{ lines: Record<string, unknown>[]; eTag?: string }> {
  const auth = { authorization: `Bearer ${bearer}`, accept: 'application/json' };
  const start = await send(
    {
      method: 'POST',
      url: `${urls(ctx).graph}/v1.0/reports/partners/billing/reconciliation/billed/export`,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ invoiceId, attributeSet: ctx.source.attributeSet ?? 'full' }),
    },
    ctx.http,
  );
  if (start.status !== 202)
    throw httpError(
      `the billed reconciliation export of ${invoiceId}`,
      start,
      apiRefused('the Graph application permission PartnerBilling.Read.All'),
    );
  const location = start.headers.location;
  if (!location) throw new SourceError(`the export of ${invoiceId} answered 202 without a Location to poll`);
  const pollMs = (ctx.source.pollSeconds ?? 10) * 1000;
  const deadline = ctx.now().getTime() + (ctx.source.maxWaitSeconds ?? 600) * 1000;
  for (;;) {
    const res = await send({ url: new URL(location, urls(ctx).graph).toString(), headers: auth }, ctx.http);
    if (res.status !== 200)
      throw httpError(
        `polling the export of ${invoiceId}`,
        res,
        apiRefused('the Graph application permission PartnerBilling.Read.All'),
      );
    const op = json<Operation>(`polling the export of ${invoiceId}`, res);
    if (op.status === 'succeeded' || op.status === 'completed')
      return { ...(await download(ctx, invoiceId, op.resourceLocation)), eTag: op.resourceLocation?.eTag };
    if (op.status === 'failed')
      throw new SourceError(
        `the export of ${invoiceId} failed${op.error ? ` (${[op.error.code, op.error.message].filter(Boolean).join(': ')})` : ''}`,
      );
    if (ctx.now().getTime() >= deadline)
      throw new SourceError(
        `the export of ${invoiceId} was still ${op.status ?? 'running'} after ${ctx.source.maxWaitSeconds ?? 600} s`,
      );
    const retryAfter = Number(res.headers['retry-after']);
    await ctx.sleep(
      Number.isFinite(retryAfter) && retryAfter > 0 && pollMs > 0 ? Math.min(retryAfter * 1000, 60_000) : pollMs,
    );
  }
}

async function download(
  ctx: Ctx,
  invoiceId: string,
  manifest: Manifest | undefined,
): Promise<{ lines: Record<string, unknown>[] }> {
  if (!manifest?.rootDirectory || !Array.isArray(manifest.blobs))
    throw new SourceError(`the export of ${invoiceId} succeeded without a manifest (rootDirectory, blobs)`);
  const lines: Record<string, unknown>[] = [];
  for (const blob of manifest.blobs) {
    if (!blob.name) continue;
    const url = `${manifest.rootDirectory.replace(/\/+$/, '')}/${blob.name.replace(/^\/+/, '')}${manifest.sasToken ? `?${manifest.sasToken.replace(/^\?/, '')}` : ''}`;
    const res = await send({ url }, ctx.http);
    if (res.status !== 200)
      throw httpError(
        `downloading ${redact(url)}`,
        res,
        (m) => new SourceError(`${m} (the SAS token may have expired)`),
      );
    const bytes =
      res.body.length >= 2 && res.body[0] === 0x1f && res.body[1] === 0x8b ? gunzipSync(res.body) : res.body;
    for (const line of bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)) {
      if (line.trim() === '') continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        throw new PermanentSourceError(`${blob.name} of the export of ${invoiceId} has a line that is not JSON`);
      }
    }
  }
  return { lines };
}

export const partnerCenterDriver: Driver<'partner-center'> = {
  async test(ctx) {
    const pc = await token(ctx, PC_SCOPE);
    await token(ctx, GRAPH_SCOPE);
    const list = await invoices(ctx, pc);
    return `tokens accepted for tenant ${ctx.source.tenantId}; ${list.length} invoice(s), ${list.filter((i) => i.id.startsWith('G')).length} new-commerce`;
  },

  async *list(ctx): AsyncGenerator<RemoteFile> {
    const pc = await token(ctx, PC_SCOPE);
    const since = ctx.source.since;
    const wanted = (await invoices(ctx, pc))
      .filter((i) => i.id.startsWith('G') && (!since || (i.invoiceDate ?? '').slice(0, 10) >= since))
      .sort((a, b) => (a.invoiceDate ?? '').localeCompare(b.invoiceDate ?? '') || a.id.localeCompare(b.id));
    if (wanted.length === 0) return;
    let graph: string | undefined;
    for (const invoice of wanted) {
      let eTag: string | undefined;
      yield {
        remoteId: `invoice:${invoice.id}`,
        remoteName: `partner center invoice ${invoice.id}`,
        fileName: `partner-center-${invoice.id.replace(/[^A-Za-z0-9-]/g, '_')}.csv`,
        get remoteEtag() {
          return eTag;
        },
        fetch: async () => {
          graph ??= await token(ctx, GRAPH_SCOPE);
          const result = await exportInvoice(ctx, graph, invoice.id);
          eTag = result.eTag;
          return Buffer.from(
            toCsv(
              result.lines,
              PARTNER_CENTER_COLUMNS.filter((c) => result.lines.some((l) => c in l)),
            ),
            'utf8',
          );
        },
      };
    }
  },
};
