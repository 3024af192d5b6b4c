/**
 * ingestUsageFile on the embedded stand-in: the normalized records and references of a file
 * are written per period in parts of bounded size, the billing run reads them back in order,
 * a re-run writes the same keys, and the duplicate-row check loads the stored references of
 * only the periods the file meets.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/app/deps.js';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import type { BlobStore } from '../../functions/app/ports.js';
import { normalizedKey, referencesKey, sealKey } from '../../functions/app/bucket-layout.js';
import { encodeRecord, readPeriodRecords } from '../../functions/app/usage-records.js';
import type { UsageRecord } from '../../functions/domain/billing-types.js';
import { provisionLocal, startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { d } from '../support/builders.js';

const HEADER = 'vendor,account_id,vendor_sku,quantity,usage_date,reference';
/** About two records per part, and six references. */
const PART_SIZE = 300;

let runtime: LocalRuntime;
let installations = 0;

beforeAll(async () => {
  runtime = await startLocalRuntime();
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

/** The artifacts bucket, recording every call; `failPut` can make a PUT fail. */
class RecordingStore implements BlobStore {
  readonly puts: { key: string; body: string }[] = [];
  readonly gets: string[] = [];
  readonly lists: string[] = [];
  failPut: ((key: string) => boolean) | undefined;

  constructor(private readonly inner: BlobStore) {}

  async put(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    if (this.failPut?.(key)) throw new Error(`PUT ${key} failed (test)`);
    this.puts.push({ key, body: typeof body === 'string' ? body : new TextDecoder().decode(body) });
    await this.inner.put(key, body, contentType);
  }

  putStream(key: string, chunks: AsyncIterable<Uint8Array>, contentType?: string): Promise<void> {
    return this.inner.putStream(key, chunks, contentType);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    this.gets.push(key);
    return this.inner.get(key);
  }

  stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    this.gets.push(key);
    return this.inner.stream(key);
  }

  list(prefix: string): Promise<string[]> {
    this.lists.push(prefix);
    return this.inner.list(prefix);
  }

  copy(fromKey: string, toKey: string, bytes?: number): Promise<void> {
    return this.inner.copy(fromKey, toKey, bytes);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

/** A fresh installation (table, buckets) on the shared stand-in, its artifacts bucket recorded. */
async function installation(): Promise<{ deps: Deps; artifacts: RecordingStore }> {
  const { deps } = await provisionLocal(runtime.aws, `ingest-parts-${++installations}`);
  const artifacts = new RecordingStore(deps.artifacts);
  return { deps: { ...deps, artifacts }, artifacts };
}

async function drop(deps: Deps, name: string, text: string): Promise<string> {
  const key = `inbox/${name}`;
  await deps.usage.put(key, text);
  return key;
}

const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Every object under normalized/ and refs/, with its text. */
async function snapshot(store: BlobStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of [...(await store.list('normalized/')), ...(await store.list('refs/'))])
    out[key] = new TextDecoder().decode(await store.get(key));
  return out;
}

async function periodRecords(store: BlobStore, period: string): Promise<UsageRecord[]> {
  const records: UsageRecord[] = [];
  for await (const record of readPeriodRecords(store, period)) records.push(record);
  return records;
}

const brief = (r: UsageRecord): string => `${r.source.file}:${r.source.line} ${r.reference ?? ''} ${r.usageDate}`;

/** The reference of row `i`: long enough that the references of a period take several parts too. */
const ref = (i: number): string => `R${String(i).padStart(2, '0')}-${'0123456789'.repeat(4)}`;
/** 40 rows alternating between January and February 2025, references ref(0)…ref(39). */
const TWO_PERIODS =
  [
    HEADER,
    ...Array.from({ length: 40 }, (_, i) => `microsoft,T1,seat-sku,${i + 1},2025-0${(i % 2) + 1}-1${i % 10},${ref(i)}`),
  ].join('\n') + '\n';

describe('ingestUsageFile writes bounded parts', () => {
  it('writes each period in several parts that the billing run reads back in order', async () => {
    const { deps, artifacts } = await installation();
    const key = await drop(deps, 'two-periods.csv', TWO_PERIODS);
    const { record } = await ingestUsageFile(deps, { key, today: '2025-03-01' }, { partSize: PART_SIZE });
    expect([record.rowsRead, record.rowsAccepted, record.rowsDuplicate]).toEqual([40, 40, 0]);

    const sha = sha256Of(TWO_PERIODS);
    for (const period of ['2025-01', '2025-02']) {
      const parts = artifacts.puts.filter(
        (p) => p.key.startsWith(`normalized/${period}/`) && p.key.endsWith('.ndjson'),
      );
      expect(parts.length).toBeGreaterThanOrEqual(5);
      // Numbered in write order, and the keys sort that way.
      expect(parts.map((p) => p.key)).toEqual(parts.map((_, n) => normalizedKey(period, sha, n)));
      expect(parts.map((p) => p.key)).toEqual(parts.map((p) => p.key).sort());
      // A part is cut as soon as it passes the size: it is less than the size plus one line.
      const longest = Math.max(...parts.flatMap((p) => p.body.split('\n').map((line) => line.length + 1)));
      for (const part of parts) expect(part.body.length).toBeLessThan(PART_SIZE + longest);
      const refs = artifacts.puts.filter((p) => p.key.startsWith(`refs/${period}/`));
      expect(refs.map((p) => p.key)).toEqual(refs.map((_, n) => referencesKey(period, sha, n)));
      expect(refs.length).toBeGreaterThanOrEqual(2);
      // Sealed once every part is stored, with the counts of both kinds.
      const seal = artifacts.puts.findIndex((p) => p.key === sealKey(period, sha));
      expect(seal).toBeGreaterThan(artifacts.puts.findIndex((p) => p.key === parts.at(-1)?.key));
      expect(JSON.parse(artifacts.puts[seal]?.body ?? '')).toEqual({ records: parts.length, refs: refs.length });
      const lines = refs
        .map((p) => p.body)
        .join('')
        .split('\n')
        .filter(Boolean);
      expect(lines).toEqual(
        Array.from({ length: 20 }, (_, i) => `microsoft\u0000${ref(2 * i + (period === '2025-01' ? 0 : 1))}`),
      );
    }

    for (const [period, first] of [
      ['2025-01', 0],
      ['2025-02', 1],
    ] as const) {
      const expected = Array.from({ length: 20 }, (_, i) => 2 * i + first).map(
        (row) => `two-periods.csv:${row + 2} ${ref(row)} 2025-0${first + 1}-1${row % 10}`,
      );
      const read = await periodRecords(deps.artifacts, period);
      expect(read.map(brief)).toEqual(expected);
      expect(read.map((r) => r.quantity.toString())).toEqual(
        Array.from({ length: 20 }, (_, i) => String(2 * i + first + 1)),
      );
    }
  });

  it('re-runs an interrupted ingest onto the same keys and changes nothing once complete', async () => {
    const { deps, artifacts } = await installation();
    const key = await drop(deps, 'two-periods.csv', TWO_PERIODS);
    // The first attempt dies on a PUT after some references of the file are stored.
    artifacts.failPut = (k) =>
      k.startsWith('normalized/2025-02/') && artifacts.puts.some((p) => p.key.startsWith('refs/2025-02/'));
    await expect(ingestUsageFile(deps, { key, today: '2025-03-01' }, { partSize: PART_SIZE })).rejects.toThrow(
      /failed \(test\)/,
    );
    const firstAttempt = artifacts.puts.splice(0);
    expect(firstAttempt.some((p) => p.key.startsWith('refs/2025-02/'))).toBe(true);

    artifacts.failPut = undefined;
    const { record } = await ingestUsageFile(deps, { key, today: '2025-03-01' }, { partSize: PART_SIZE });
    // Its own stored references (parts) are not duplicates of its rows.
    expect([record.rowsRead, record.rowsAccepted, record.rowsDuplicate]).toEqual([40, 40, 0]);
    const rerun = new Map(artifacts.puts.map((p) => [p.key, p.body]));
    for (const part of firstAttempt) expect(rerun.get(part.key)).toBe(part.body);
    const after = await snapshot(deps.artifacts);
    expect(Object.keys(after).sort()).toEqual([...rerun.keys()].sort());
    expect((await periodRecords(deps.artifacts, '2025-01')).length).toBe(20);
    expect((await periodRecords(deps.artifacts, '2025-02')).length).toBe(20);

    // The same file again, and its bytes under another name: nothing written, nothing changed.
    artifacts.puts.splice(0);
    const again = await ingestUsageFile(deps, { key, today: '2025-03-02' }, { partSize: PART_SIZE });
    expect(again.record).toEqual(record);
    const copy = await ingestUsageFile(
      deps,
      { key: await drop(deps, 'copy.csv', TWO_PERIODS), today: '2025-03-02' },
      { partSize: PART_SIZE },
    );
    expect(copy.record.duplicateOf).toBe('two-periods.csv');
    expect(artifacts.puts).toEqual([]);
    expect(await snapshot(deps.artifacts)).toEqual(after);
  });
});

describe("the seal of a file's parts", () => {
  it('keeps a half-ingested file out of billing and duplicates, and ignores a part past the seal', async () => {
    const { deps, artifacts } = await installation();
    const key = await drop(deps, 'two-periods.csv', TWO_PERIODS);
    const sha = sha256Of(TWO_PERIODS);
    // The ingest dies on the seal of January: every part is stored, no period is sealed yet.
    artifacts.failPut = (k) => k === sealKey('2025-01', sha);
    await expect(ingestUsageFile(deps, { key, today: '2025-03-01' }, { partSize: PART_SIZE })).rejects.toThrow(
      /failed \(test\)/,
    );
    expect(artifacts.puts.some((p) => p.key.startsWith('normalized/2025-01/'))).toBe(true);
    expect(await periodRecords(deps.artifacts, '2025-01')).toEqual([]);
    // Another file with one of its references: not a duplicate of an unsealed file.
    const other = [HEADER, `microsoft,T1,seat-sku,9,2025-01-25,${ref(0)}`].join('\n') + '\n';
    const first = await ingestUsageFile(
      deps,
      { key: await drop(deps, 'other.csv', other), today: '2025-03-01' },
      { partSize: PART_SIZE },
    );
    expect([first.record.rowsAccepted, first.record.rowsDuplicate]).toEqual([1, 0]);

    // The retry now finds other.csv's reference stored: one row fewer, so fewer January parts.
    artifacts.failPut = undefined;
    const retry = await ingestUsageFile(deps, { key, today: '2025-03-02' }, { partSize: PART_SIZE });
    expect([retry.record.rowsAccepted, retry.record.rowsDuplicate]).toEqual([39, 1]);
    // A part the first attempt wrote past the retry's last one stays in the bucket but is not read.
    const stale = normalizedKey('2025-01', sha, 99);
    await deps.artifacts.put(
      stale,
      encodeRecord({
        vendor: 'microsoft',
        accountId: 'T1',
        vendorSku: 'seat-sku',
        quantity: d(1000),
        usageDate: '2025-01-01',
        period: '2025-01',
        reference: 'STALE',
        source: { file: 'two-periods.csv', line: 999 },
      }) + '\n',
    );
    await deps.artifacts.put(referencesKey('2025-01', sha, 99), 'microsoft\u0000STALE\n');
    const january = await periodRecords(deps.artifacts, '2025-01');
    expect(january.map((r) => r.reference)).not.toContain('STALE');
    expect(january.length).toBe(20); // 19 of two-periods.csv, 1 of other.csv
    // … nor counted as a stored reference.
    const probe = [HEADER, 'microsoft,T1,seat-sku,1,2025-01-03,STALE'].join('\n') + '\n';
    const probed = await ingestUsageFile(
      deps,
      { key: await drop(deps, 'probe.csv', probe), today: '2025-03-03' },
      { partSize: PART_SIZE },
    );
    expect(probed.record.rowsDuplicate).toBe(0);
  });
});

describe('ingestUsageFile duplicate references', () => {
  it('are found in the stored parts of the same period only, loading no other period', async () => {
    const { deps, artifacts } = await installation();
    const old = [HEADER, 'microsoft,T1,seat-sku,1,2024-06-10,R05'].join('\n') + '\n';
    await ingestUsageFile(
      deps,
      { key: await drop(deps, 'old.csv', old), today: '2024-07-01' },
      { partSize: PART_SIZE },
    );
    await ingestUsageFile(
      deps,
      { key: await drop(deps, 'two-periods.csv', TWO_PERIODS), today: '2025-03-01' },
      { partSize: PART_SIZE },
    );
    artifacts.gets.splice(0);
    artifacts.lists.splice(0);

    const later =
      [
        HEADER,
        `microsoft,T1,seat-sku,7,2025-01-20,${ref(4)}`, // stored in January (an early part): duplicate
        `microsoft,T1,seat-sku,7,2025-01-21,${ref(38)}`, // the last January part: duplicate
        `pax8,T1,seat-sku,7,2025-01-22,${ref(4)}`, // another vendor: not one
        `microsoft,T1,seat-sku,7,2025-03-03,${ref(4)}`, // another period: not one
        `microsoft,T1,seat-sku,7,2025-03-04,${ref(4)}`, // … but twice in this file is
        `microsoft,T1,seat-sku,7,2025-03-05,${ref(5)}`, // stored in February only
      ].join('\n') + '\n';
    const { record, rejections } = await ingestUsageFile(
      deps,
      { key: await drop(deps, 'later.csv', later), today: '2025-04-01' },
      { partSize: PART_SIZE },
    );
    expect(rejections).toEqual([]);
    expect([record.rowsRead, record.rowsAccepted, record.rowsDuplicate]).toEqual([6, 3, 3]);
    // Only the periods of the file were listed and read (their seals, then their refs): never
    // 2025-02 nor 2024-06.
    expect(artifacts.lists).toEqual(['normalized/2025-01/', 'refs/2025-01/', 'normalized/2025-03/', 'refs/2025-03/']);
    expect(artifacts.gets.filter((k) => k.startsWith('refs/')).length).toBeGreaterThanOrEqual(2);
    expect(
      artifacts.gets.every(
        (k) => k.startsWith('refs/2025-01/') || /^normalized\/2025-01\/[0-9a-f]{64}\.parts\.json$/.test(k),
      ),
    ).toBe(true);

    expect((await periodRecords(deps.artifacts, '2025-03')).map((r) => `${r.vendor} ${r.reference}`)).toEqual([
      `microsoft ${ref(4)}`,
      `microsoft ${ref(5)}`,
    ]);
    expect(
      (await periodRecords(deps.artifacts, '2025-01')).filter((r) => r.source.file === 'later.csv').map(brief),
    ).toEqual([`later.csv:4 ${ref(4)} 2025-01-22`]);
  });

  it('round-trip text outside ASCII, parts measured in UTF-8 bytes', async () => {
    const { deps, artifacts } = await installation();
    const wide = (i: number): string => `Réf-${i}-漢字-${'ü'.repeat(20)}`;
    const rows = (): string =>
      [
        HEADER,
        ...Array.from(
          { length: 12 },
          (_, i) => `fournisseur-é,T1,seat-sku,${i + 1},2025-07-0${(i % 9) + 1},${wide(i)}`,
        ),
      ].join('\n') + '\n';
    const first = await ingestUsageFile(
      deps,
      { key: await drop(deps, 'premier.csv', rows()), today: '2025-08-01' },
      { partSize: PART_SIZE },
    );
    expect([first.record.rowsAccepted, first.record.rowsDuplicate]).toEqual([12, 0]);
    const encoder = new TextEncoder();
    const written = artifacts.puts.filter((p) => p.key.startsWith('normalized/') || p.key.startsWith('refs/'));
    const longest = Math.max(
      ...written.flatMap((p) => p.body.split('\n').map((line) => encoder.encode(line).length + 1)),
    );
    for (const part of written) expect(encoder.encode(part.body).length).toBeLessThan(PART_SIZE + longest);
    expect(written.filter((p) => p.key.startsWith('refs/')).length).toBeGreaterThanOrEqual(2);
    expect((await periodRecords(deps.artifacts, '2025-07')).map((r) => `${r.vendor} ${r.reference}`)).toEqual(
      Array.from({ length: 12 }, (_, i) => `fournisseur-é ${wide(i)}`),
    );

    // The same rows in another file (a blank line more, so other bytes): all duplicates, read from the parts.
    const second = await ingestUsageFile(
      deps,
      { key: await drop(deps, 'second.csv', rows() + '\n'), today: '2025-08-02' },
      { partSize: PART_SIZE },
    );
    expect([second.record.rowsRead, second.record.rowsAccepted, second.record.rowsDuplicate]).toEqual([12, 0, 12]);
  });
});

describe('ingestUsageFile: a gzip-compressed file', () => {
  it('archives the raw .gz bytes under their sha256 and ingests the rows it holds', async () => {
    // Prepare
    const { deps } = await installation();
    const gz = gzipSync(TWO_PERIODS);
    const key = 'inbox/exports/two-periods.csv.gz';
    await deps.usage.put(key, gz);
    // Act
    const { record } = await ingestUsageFile(deps, { key, today: '2025-03-01' }, { partSize: PART_SIZE });
    // Assess
    const sha = createHash('sha256').update(gz).digest('hex');
    expect(record).toMatchObject({
      sha256: sha,
      name: 'two-periods.csv.gz',
      format: 'canonical',
      bytes: gz.length,
      rowsRead: 40,
      rowsAccepted: 40,
      rowsRejected: 0,
    });
    expect(Buffer.from((await deps.usage.get(`archive/${sha}`)) ?? [])).toEqual(gz);
    expect((await periodRecords(deps.artifacts, '2025-01')).length).toBe(20);
  });

  it('records a damaged gzip file with a clear file error', async () => {
    const { deps } = await installation();
    const gz = gzipSync(TWO_PERIODS).subarray(0, 200);
    const key = 'inbox/cut.csv.gz';
    await deps.usage.put(key, gz);
    const { record } = await ingestUsageFile(deps, { key, today: '2025-03-01' }, { partSize: PART_SIZE });
    expect(record.fileError).toMatch(
      /^the file starts like a gzip file but cannot be decompressed \(unexpected end of file\): it is damaged or cut short$/,
    );
    expect(record.bytes).toBe(200);
  });

  it("names a file by the name given (simulate: its path under usage/), not the key's last segment", async () => {
    const { deps } = await installation();
    await deps.usage.put('inbox/2025-01/x.csv', TWO_PERIODS);
    const { record } = await ingestUsageFile(deps, {
      key: 'inbox/2025-01/x.csv',
      name: '2025-01/x.csv',
      today: '2025-03-01',
    });
    expect([record.name, (await periodRecords(deps.artifacts, '2025-02'))[0]?.source.file]).toEqual([
      '2025-01/x.csv',
      '2025-01/x.csv',
    ]);
  });
});
