/**
 * The collector against real protocol servers on 127.0.0.1 (HTTPS with an openssl-made
 * certificate, SFTP on ssh2's Server, a second bucket on the embedded S3) and against fakes of
 * the Pax8 and Partner Center APIs, landing into the embedded runtime's inbox and ingesting.
 * For each: the not-twice rule, resume after a failure, and a bad credential's clear error.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { createCollectorDeps } from '../../functions/collect/aws-collector.js';
import { pullSource, pullSources, testSource, type CollectorDeps } from '../../functions/collect/collect.js';
import { credentialResolver } from '../../functions/collect/credentials.js';
import { parseSourcesConfig, type SourceConfig } from '../../functions/collect/sources-config.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import {
  hasOpenssl,
  selfSignedCert,
  startFileServer,
  startPartnerCenterFake,
  startPax8Fake,
  startSftpServer,
  type FileServer,
  type PartnerCenterFake,
  type Pax8Fake,
  type SftpFixture,
} from './servers.js';

const TLS = hasOpenssl();

let runtime: LocalRuntime;
const env: Record<string, string | undefined> = {};
const sleeps: number[] = [];
let clock = Date.parse('2026-02-01T06:00:00Z');

function collector(): ReturnType<typeof createCollectorDeps> & CollectorDeps {
  const base = createCollectorDeps({
    dynamodb: runtime.clients.dynamodb,
    s3: runtime.clients.s3,
    table: 'trueup',
    usageBucket: 'trueup-usage',
    credentials: credentialResolver({ env }),
    log: runtime.deps.log,
    ingest: async (key) => {
      await ingestUsageFile(runtime.deps, { key, today: '2026-02-01' });
    },
  });
  return {
    ...base,
    now: () => new Date((clock += 1000)),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

function source(json: unknown): SourceConfig {
  const parsed = parseSourcesConfig({ sources: [json] });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.value.sources[0]!;
}

async function ingested(name: string) {
  return (await runtime.deps.ledger.unreportedFiles()).filter((f) => f.name === name);
}

beforeAll(async () => {
  runtime = await startLocalRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

describe.skipIf(!TLS)('https source (real TLS, certificate made with openssl)', () => {
  let server: FileServer;
  let certFile: string;
  beforeAll(async () => {
    const tls = selfSignedCert();
    certFile = tls.certFile;
    server = await startFileServer(tls);
    server.content = 'vendor,account_id,vendor_sku,quantity,usage_date\nninjaone,acct-1,DEVICE,12,2026-01-31\n';
    env.TRUEUP_RMM_TOKEN = 'good-token';
  });
  afterAll(() => server?.stop());

  const rmm = () =>
    source({
      name: 'rmm',
      type: 'https',
      schedule: 'rate(1 day)',
      url: server.url,
      auth: 'bearer',
      credential: { env: 'TRUEUP_RMM_TOKEN' },
      caFile: certFile,
      vendor: 'ninjaone',
    });

  it('lands the file with provenance, ingests it, and does not fetch an unchanged file again', async () => {
    const deps = collector();
    const first = await pullSource(deps, rmm(), { attempts: 1 });
    expect(first.ok).toBe(true);
    expect(first.files).toHaveLength(1);
    const file = first.files[0]!;
    expect(file.inboxKey).toMatch(/^inbox\/rmm\/\d{8}T\d{6}Z-usage\.csv$/);
    const provenance = await deps.inbox.provenance(file.inboxKey);
    expect(provenance).toMatchObject({ source: 'rmm', remoteName: server.url, sha256: file.sha256 });
    expect(provenance.remoteEtag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(provenance.fetchedAt).toMatch(/^2026-02-01T06:/);
    const [record] = await ingested(file.inboxKey.split('/').pop()!);
    expect(record).toMatchObject({ format: 'canonical', rowsAccepted: 1 });

    const second = await pullSource(deps, rmm(), { attempts: 1 });
    expect(second).toMatchObject({ ok: true, files: [] });
    expect(server.served).toEqual({ full: 1, notModified: 1 });

    server.content += 'ninjaone,acct-1,DEVICE,13,2026-01-30\n';
    const changed = await pullSource(deps, rmm(), { attempts: 1 });
    expect(changed.files).toHaveLength(1);
    expect(server.served.full).toBe(2);
  });

  it('retries a failing server with backoff and resumes on the next run after giving up', async () => {
    const deps = collector();
    server.content += 'ninjaone,acct-2,DEVICE,1,2026-01-29\n';
    server.failNext = 2;
    sleeps.length = 0;
    const failed = await pullSource(deps, rmm(), { attempts: 2, baseDelayMs: 100 });
    expect(failed.ok).toBe(false);
    if (!failed.ok)
      expect(failed.failure).toMatchObject({
        source: 'rmm',
        type: 'https',
        attempts: 2,
        retryable: true,
        error: expect.stringContaining('HTTP 503'),
      });
    expect(sleeps).toEqual([100]);
    expect(await deps.state.getStatus('rmm')).toMatchObject({ consecutiveFailures: 1 });

    server.failNext = 1;
    const resumed = await pullSource(deps, rmm(), { attempts: 3, baseDelayMs: 100 });
    expect(resumed).toMatchObject({ ok: true, attempts: 2 });
    expect(resumed.files).toHaveLength(1);
    expect(await deps.state.getStatus('rmm')).toMatchObject({ consecutiveFailures: 0 });
  });

  it('says clearly when the token is refused, without retrying', async () => {
    env.TRUEUP_RMM_TOKEN = 'wrong-token';
    try {
      const result = await pullSource(collector(), rmm(), { attempts: 3, baseDelayMs: 1 });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.attempts).toBe(1);
        expect(result.failure.error).toContain('HTTP 401');
        expect(result.failure.error).toContain('refused the credential in environment variable TRUEUP_RMM_TOKEN');
        expect(result.failure.error).not.toContain('wrong-token');
      }
      await expect(testSource(collector(), rmm())).rejects.toThrow(/HTTP 401/);
    } finally {
      env.TRUEUP_RMM_TOKEN = 'good-token';
    }
  });

  it('refuses a certificate it was not told to trust', async () => {
    const { caFile: _ca, ...untrusted } = rmm() as SourceConfig & { caFile?: string };
    await expect(testSource(collector(), untrusted as SourceConfig)).rejects.toThrow(
      /TLS check failed .*DEPTH_ZERO_SELF_SIGNED_CERT.*"caFile"/,
    );
  });
});

describe('sftp source (ssh2 Server, generated host key)', () => {
  let server: SftpFixture;
  beforeAll(async () => {
    server = await startSftpServer('/outbox');
    server.files.set(
      'devices-2026-01.csv',
      'vendor,account_id,vendor_sku,quantity,usage_date\ndatto,site-9,ENDPOINT,40,2026-01-31\n',
    );
    server.files.set('notes.txt', 'not usage');
    env.TRUEUP_SFTP_CREDENTIAL = JSON.stringify({ username: 'msp', password: 'sftp-secret' });
  });
  afterAll(() => server?.stop());

  const datto = (extra: Record<string, unknown> = {}) =>
    source({
      name: 'datto',
      type: 'sftp',
      schedule: 'cron(0 6 * * ? *)',
      host: '127.0.0.1',
      port: server.port,
      path: '/outbox',
      pattern: '*.csv',
      hostKeySha256: server.fingerprint,
      credential: { env: 'TRUEUP_SFTP_CREDENTIAL' },
      ...extra,
    });

  it('fetches the new matching files once, with provenance, and ingests them', async () => {
    const deps = collector();
    expect(await testSource(deps, datto())).toContain('1 matching file(s) in /outbox');
    const first = await pullSource(deps, datto(), { attempts: 1 });
    expect(first).toMatchObject({ ok: true, skipped: 0 });
    expect(first.files.map((f) => f.inboxKey)).toEqual(['inbox/datto/devices-2026-01.csv']);
    expect(await deps.inbox.provenance('inbox/datto/devices-2026-01.csv')).toMatchObject({
      source: 'datto',
      remoteName: '/outbox/devices-2026-01.csv',
    });
    expect(await ingested('devices-2026-01.csv')).toMatchObject([{ format: 'canonical', rowsAccepted: 1 }]);

    const again = await pullSource(deps, datto(), { attempts: 1 });
    expect(again).toMatchObject({ ok: true, files: [], skipped: 1 });
    expect(server.reads).toEqual(['/outbox/devices-2026-01.csv']);
  });

  it('resumes after a failed read: the file not landed is fetched on the next run', async () => {
    const deps = collector();
    server.files.set(
      'devices-2026-02.csv',
      'vendor,account_id,vendor_sku,quantity,usage_date\ndatto,site-9,ENDPOINT,41,2026-02-28\n',
    );
    server.files.set(
      'devices-2026-03.csv',
      'vendor,account_id,vendor_sku,quantity,usage_date\ndatto,site-9,ENDPOINT,42,2026-03-31\n',
    );
    server.failReads = 1;
    const failed = await pullSource(deps, datto(), { attempts: 1 });
    expect(failed.ok).toBe(false);
    expect(failed.files).toHaveLength(0);
    const resumed = await pullSource(deps, datto(), { attempts: 1 });
    expect(resumed.ok).toBe(true);
    expect(resumed.files.map((f) => f.remoteId)).toEqual([
      '/outbox/devices-2026-02.csv',
      '/outbox/devices-2026-03.csv',
    ]);
    expect(server.reads.filter((r) => r.endsWith('2026-01.csv'))).toHaveLength(1);
  });

  it('says clearly when the password is refused, and when the host key does not match', async () => {
    env.TRUEUP_SFTP_CREDENTIAL = JSON.stringify({ username: 'msp', password: 'nope' });
    try {
      const result = await pullSource(collector(), datto(), { attempts: 3, baseDelayMs: 1 });
      expect(result).toMatchObject({ ok: false, attempts: 1 });
      if (!result.ok)
        expect(result.failure.error).toBe(
          `127.0.0.1:${server.port} refused user "msp" with the password or key in environment variable TRUEUP_SFTP_CREDENTIAL`,
        );
    } finally {
      env.TRUEUP_SFTP_CREDENTIAL = JSON.stringify({ username: 'msp', password: 'sftp-secret' });
    }
    const wrongKey = `SHA256:${'A'.repeat(43)}`;
    await expect(testSource(collector(), datto({ hostKeySha256: wrongKey }))).rejects.toThrow(
      `offered host key ${server.fingerprint}, not the configured hostKeySha256 ${wrongKey}`,
    );
  });
});

describe('s3 source (a second bucket on the embedded S3)', () => {
  const bucket = 'vendor-exports';
  beforeAll(async () => {
    await runtime.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await runtime.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'focus/2026-01/part-1.csv',
        Body: 'vendor,account_id,vendor_sku,quantity,usage_date\naws,111122223333,EC2,3,2026-01-15\n',
      }),
    );
    await runtime.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/ignored.csv', Body: 'x' }));
    env.TRUEUP_S3_KEYS = JSON.stringify(runtime.aws.credentials);
  });

  const exports = () =>
    source({
      name: 'cur',
      type: 's3',
      schedule: 'rate(6 hours)',
      bucket,
      prefix: 'focus/',
      endpoint: runtime.aws.endpoints.s3,
      region: 'us-east-1',
      credential: { env: 'TRUEUP_S3_KEYS' },
    });

  it('copies new objects under the prefix once, with the remote ETag, and ingests them', async () => {
    const deps = collector();
    const first = await pullSource(deps, exports(), { attempts: 1 });
    expect(first.files.map((f) => f.inboxKey)).toEqual(['inbox/cur/2026-01/part-1.csv']);
    const provenance = await deps.inbox.provenance('inbox/cur/2026-01/part-1.csv');
    expect(provenance).toMatchObject({ source: 'cur', remoteName: `s3://${bucket}/focus/2026-01/part-1.csv` });
    expect(provenance.remoteEtag).toBeTruthy();
    expect(await ingested('part-1.csv')).toMatchObject([{ rowsAccepted: 1 }]);

    await runtime.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'focus/2026-01/part-2.csv',
        Body: 'vendor,account_id,vendor_sku,quantity,usage_date\naws,111122223333,EC2,4,2026-01-16\n',
      }),
    );
    const second = await pullSource(deps, exports(), { attempts: 1 });
    expect(second.files.map((f) => f.remoteId)).toEqual(['focus/2026-01/part-2.csv']);
    expect(second.skipped).toBe(1);
  });

  it('resumes after a failure to land a file (the claim is given back)', async () => {
    await runtime.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'focus/2026-02/part-1.csv',
        Body: 'vendor,account_id,vendor_sku,quantity,usage_date\naws,111122223333,EC2,5,2026-02-01\n',
      }),
    );
    const deps = collector();
    let broken = true;
    const flaky: CollectorDeps = {
      ...deps,
      inbox: {
        put: async (...args) => {
          if (broken) throw new Error('S3 is having a bad day');
          return deps.inbox.put(...args);
        },
      },
    };
    const failed = await pullSource(flaky, exports(), { attempts: 2, baseDelayMs: 5 });
    expect(failed).toMatchObject({ ok: false, attempts: 2 });
    broken = false;
    const resumed = await pullSource(flaky, exports(), { attempts: 1 });
    expect(resumed.files.map((f) => f.remoteId)).toEqual(['focus/2026-02/part-1.csv']);
  });

  it('says clearly when the keys are refused', async () => {
    env.TRUEUP_S3_KEYS_BAD = JSON.stringify({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wrong' });
    env.TRUEUP_S3_KEYS_SHAPE = 'not json';
    const bad = source({ ...exports(), credential: { env: 'TRUEUP_S3_KEYS_SHAPE' } });
    await expect(testSource(collector(), bad)).rejects.toThrow(
      'environment variable TRUEUP_S3_KEYS_SHAPE must hold JSON like {"accessKeyId": "…", "secretAccessKey": "…"}',
    );
    const unset = source({ ...exports(), credential: { env: 'TRUEUP_S3_KEYS_UNSET' } });
    const result = await pullSource(collector(), unset, { attempts: 3 });
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      failure: { error: 'environment variable TRUEUP_S3_KEYS_UNSET is not set', retryable: false },
    });
  });
});

describe('pax8 source (fake of the Pax8 Partner API)', () => {
  let pax8: Pax8Fake;
  const item = (n: number, extra: Record<string, unknown> = {}) => ({
    id: `00000000-0000-4000-8000-00000000000${n}`,
    type: 'subscription',
    purchaseOrderNumber: 'N/A',
    companyId: 'cc0ac255-7c0b-4123-ac8d-a6c280b85eae',
    companyName: 'Brick and Mortar Tech',
    startPeriod: '2026-01-01',
    endPeriod: '2026-01-31',
    quantity: 10 + n,
    unitOfMeasure: 'User',
    term: 'Monthly',
    sku: 'MST-MCS-365-BP',
    description: 'Microsoft 365 Business Premium',
    rateType: 'single',
    chargeType: 'per',
    price: 22,
    subTotal: 22 * (10 + n),
    cost: 19.8,
    costTotal: 19.8 * (10 + n),
    offeredBy: 'Pax8',
    billedByPax8: false,
    total: 22 * (10 + n),
    productId: 'de4ff8a5-e836-4412-89e7-03236c0641c4',
    productName: 'Microsoft 365 Business Premium',
    billingFee: 0,
    billingFeeRate: 0,
    amountDue: 22 * (10 + n),
    currencyCode: 'USD',
    salesTax: 0,
    subscriptionId: 'f6b60139-8ab6-45f4-b808-354ebbe53070',
    ...extra,
  });
  beforeAll(async () => {
    pax8 = await startPax8Fake();
    pax8.invoices.push(
      {
        id: '0b157f32-a423-4fc4-bed0-82ef2f913ab2',
        invoiceDate: '2026-02-01',
        status: 'Unpaid',
        items: [item(1), item(2, { description: 'Business Premium, "annual"' })],
      },
      { id: '17029935-36b0-4f0f-9d5e-c8af04f7b57a', invoiceDate: '2026-01-01', status: 'Void', items: [item(3)] },
    );
    env.TRUEUP_PAX8_CREDENTIAL = JSON.stringify({ clientId: 'pax8-client', clientSecret: 'pax8-secret' });
  });
  afterAll(() => pax8?.stop());

  const p8 = () =>
    source({
      name: 'pax8',
      type: 'pax8',
      schedule: 'cron(0 8 2 * ? *)',
      apiUrl: pax8.url,
      credential: { env: 'TRUEUP_PAX8_CREDENTIAL' },
      vendor: 'pax8',
    });

  it('writes each new invoice as a Pax8 invoice-items CSV that the ingest reads, once', async () => {
    const deps = collector();
    expect(await testSource(deps, p8())).toBe('token accepted; 2 invoice(s) visible');
    const first = await pullSource(deps, p8(), { attempts: 1 });
    expect(first.files.map((f) => f.inboxKey)).toEqual([
      'inbox/pax8/pax8-invoice-2026-02-01-0b157f32-a423-4fc4-bed0-82ef2f913ab2.csv',
    ]);
    const csv = Buffer.from((await runtime.deps.usage.get(first.files[0]!.inboxKey))!).toString('utf8');
    expect(csv.split('\r\n')[0]).toMatch(
      /^companyId,sku,quantity,startPeriod,endPeriod,cost,costTotal,currencyCode,id,invoiceId,/,
    );
    expect(await ingested('pax8-invoice-2026-02-01-0b157f32-a423-4fc4-bed0-82ef2f913ab2.csv')).toMatchObject([
      { format: 'pax8', rowsRead: 2, rowsAccepted: 2 },
    ]);

    const again = await pullSource(deps, p8(), { attempts: 1 });
    expect(again).toMatchObject({ ok: true, files: [], skipped: 1 });
    expect(pax8.itemRequests.get('0b157f32-a423-4fc4-bed0-82ef2f913ab2')).toBe(1);
  });

  it('resumes after the items call fails', async () => {
    pax8.invoices.push({
      id: '909f2b60-d3e6-4488-9224-5f4788aa7128',
      invoiceDate: '2026-03-01',
      status: 'Unpaid',
      items: [item(4, { startPeriod: '2026-02-01', endPeriod: '2026-02-28' })],
    });
    pax8.failItems = 5;
    const failed = await pullSource(collector(), p8(), { attempts: 2, baseDelayMs: 1 });
    expect(failed).toMatchObject({
      ok: false,
      attempts: 2,
      failure: { retryable: true, error: expect.stringContaining('HTTP 500') },
    });
    pax8.failItems = 0;
    const resumed = await pullSource(collector(), p8(), { attempts: 1 });
    expect(resumed.files.map((f) => f.remoteId)).toEqual(['invoice:909f2b60-d3e6-4488-9224-5f4788aa7128']);
  });

  it('says clearly when the client credentials are refused', async () => {
    env.TRUEUP_PAX8_BAD = JSON.stringify({ clientId: 'pax8-client', clientSecret: 'wrong' });
    const result = await pullSource(collector(), source({ ...p8(), credential: { env: 'TRUEUP_PAX8_BAD' } }), {
      attempts: 3,
    });
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    if (!result.ok)
      expect(result.failure.error).toBe(
        'the Pax8 token endpoint answered HTTP 401 (access_denied: Unauthorized): Pax8 refused the client credentials in environment variable TRUEUP_PAX8_BAD',
      );
  });
});

describe('partner-center source (fake of Partner Center and the Graph billed reconciliation export)', () => {
  let pc: PartnerCenterFake;
  const line = (customer: string, qty: number) => ({
    PartnerId: 'c6b1a4a0-0000-4000-8000-000000000001',
    CustomerId: customer,
    CustomerName: 'Contoso',
    InvoiceNumber: 'G000000001',
    ProductId: 'CFQ7TTC0LCHC',
    SkuId: '0002',
    AvailabilityId: 'CFQ7TTC0KHS0',
    SkuName: 'Microsoft 365 Business Premium',
    ProductName: 'Microsoft 365 Business Premium',
    ChargeType: 'cycleCharge',
    ChargeStartDate: '2026-01-01T00:00:00Z',
    ChargeEndDate: '2026-01-31T00:00:00Z',
    UnitPrice: 22,
    EffectiveUnitPrice: 19.8,
    Quantity: qty,
    BillableQuantity: qty,
    Subtotal: 19.8 * qty,
    TaxTotal: 0,
    TotalForCustomer: 19.8 * qty,
    Currency: 'USD',
    PriceAdjustmentDescription: null,
  });
  beforeAll(async () => {
    pc = await startPartnerCenterFake();
    pc.invoices.push(
      {
        id: 'G000000001',
        invoiceDate: '2026-02-08',
        lines: [line('2f8b7c66-0000-4000-8000-0000000000aa', 25), line('2f8b7c66-0000-4000-8000-0000000000bb', 3)],
      },
      { id: 'D050000001', invoiceDate: '2026-02-08', lines: [] }, // legacy (not new commerce): not exported
    );
    env.TRUEUP_PC_CREDENTIAL = JSON.stringify({ clientId: 'pc-app', clientSecret: 'pc-secret' });
  });
  afterAll(() => pc?.stop());

  const msft = () =>
    source({
      name: 'microsoft',
      type: 'partner-center',
      schedule: 'cron(0 9 10 * ? *)',
      tenantId: pc.tenantId,
      credential: { env: 'TRUEUP_PC_CREDENTIAL' },
      loginUrl: `${pc.url}/login`,
      partnerCenterUrl: `${pc.url}/pc`,
      graphUrl: `${pc.url}/graph`,
      pollSeconds: 0,
    });

  it('exports each new-commerce invoice (202, poll Location, blob), writes a reconciliation CSV the ingest reads, once', async () => {
    const deps = collector();
    sleeps.length = 0;
    const first = await pullSource(deps, msft(), { attempts: 1 });
    expect(first.ok).toBe(true);
    expect(first.files.map((f) => f.inboxKey)).toEqual(['inbox/microsoft/partner-center-G000000001.csv']);
    expect(first.files[0]!.remoteEtag).toBe('etag-G000000001');
    expect(sleeps.length).toBeGreaterThan(0); // polled while the operation was running
    expect(await deps.inbox.provenance('inbox/microsoft/partner-center-G000000001.csv')).toMatchObject({
      source: 'microsoft',
      remoteEtag: 'etag-G000000001',
    });
    expect(await ingested('partner-center-G000000001.csv')).toMatchObject([
      { format: 'partner-center', rowsRead: 2, rowsAccepted: 2 },
    ]);

    const again = await pullSource(deps, msft(), { attempts: 1 });
    expect(again).toMatchObject({ ok: true, files: [], skipped: 1 });
    expect(pc.exportsStarted).toEqual(['G000000001']);
  });

  it('resumes after a failed export operation', async () => {
    pc.invoices.push({
      id: 'G000000002',
      invoiceDate: '2026-03-08',
      lines: [line('2f8b7c66-0000-4000-8000-0000000000aa', 26)],
    });
    pc.failExports = 1;
    const result = await pullSource(collector(), msft(), { attempts: 2, baseDelayMs: 1 });
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(result.files.map((f) => f.remoteId)).toEqual(['invoice:G000000002']);
    expect(pc.exportsStarted).toEqual(['G000000001', 'G000000002', 'G000000002']);
  });

  it('says clearly when Entra ID refuses the client secret', async () => {
    env.TRUEUP_PC_BAD = JSON.stringify({ clientId: 'pc-app', clientSecret: 'expired' });
    const result = await pullSource(collector(), source({ ...msft(), credential: { env: 'TRUEUP_PC_BAD' } }), {
      attempts: 3,
    });
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    if (!result.ok) {
      expect(result.failure.error).toContain('AADSTS7000215: Invalid client secret provided');
      expect(result.failure.error).toContain(
        `refused the client credentials in environment variable TRUEUP_PC_BAD for tenant ${pc.tenantId}`,
      );
    }
  });
});

describe('several sources at once', () => {
  it('a failing source does not stop the others', async () => {
    const parsed = parseSourcesConfig({
      sources: [
        { name: 'down', type: 'https', schedule: 'rate(1 hour)', url: 'http://127.0.0.1:9/nothing.csv' },
        { name: 'no-secret', type: 'pax8', schedule: 'rate(1 day)', credential: { env: 'TRUEUP_NOT_SET_ANYWHERE' } },
        {
          name: 'off',
          type: 'pax8',
          schedule: 'rate(1 day)',
          credential: { env: 'TRUEUP_NOT_SET_ANYWHERE' },
          enabled: false,
        },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const results = await pullSources(collector(), parsed.value, { retry: { attempts: 2, baseDelayMs: 1 } });
    expect(results.map((r) => [r.source, r.ok, r.attempts])).toEqual([
      ['down', false, 2],
      ['no-secret', false, 1],
    ]);
  });
});
