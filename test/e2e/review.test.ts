/**
 * Review before sending, as a user runs it (docs/review.md): the conformance data folder in
 * hold mode with an approvals.csv, through `trueup simulate`. Nothing is issued on the 1st;
 * the approval days later numbers the drafts gapless in client_id order, dated that day; the
 * held client stays a draft.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance/data');

type Json = Record<string, unknown>;
const readJson = async (path: string): Promise<Json> => JSON.parse(await readFile(path, 'utf8')) as Json;

describe('hold mode through simulate (conformance data, review: hold, approvals.csv)', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-review-'));
    const data = join(dir, 'data');
    out = join(dir, 'out');
    await cp(FIXTURE, data, { recursive: true });
    const settings = await readJson(join(data, 'trueup.json'));
    await writeFile(
      join(data, 'trueup.json'),
      JSON.stringify({ ...settings, invoice: { ...(settings.invoice as Json), review: 'hold' } }, null, 2),
    );
    await writeFile(
      join(data, 'approvals.csv'),
      'date,period,client_id,hold_reason\n2025-02-03,2025-01,K-003,PO number missing\n2025-02-04,2025-01,*,\n',
    );
    await simulate({ data, from: '2025-01-28', to: '2025-02-10', out });
  }, 240_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('issues nothing on the 1st and numbers the approved drafts gapless in client_id order on the approval day', async () => {
    const files = (await readdir(join(out, 'invoices'))).filter((f) => f.endsWith('.json')).sort();
    const invoices = await Promise.all(files.map((f) => readJson(join(out, 'invoices', f))));
    const clients = ['K-001', 'K-002', 'K-004', 'K-005', 'K-006', 'K-007', 'K-008', 'K-009', 'K-010', 'K-011'];
    expect(invoices.map((i) => [i.number, i.clientId, i.period, i.issueDate])).toEqual(
      clients.map((c, n) => [`OSP-2025-${String(n + 1).padStart(6, '0')}`, c, '2025-01', '2025-02-04']),
    );
    // Due = approval day + the client's terms (K-001 7 days, K-002 30, K-004 the default 14).
    const due = new Map(invoices.map((i) => [i.clientId, i.dueDate]));
    expect([due.get('K-001'), due.get('K-002'), due.get('K-004')]).toEqual(['2025-02-11', '2025-03-06', '2025-02-18']);
  });

  it('emails the billing team that drafts await review, once, and no invoice before the approval', async () => {
    const notifications = (await readJson(join(out, 'notifications.json'))) as unknown as Json[];
    const review = notifications.filter((n) => n.kind === 'drafts_awaiting_review');
    expect(review.map((n) => [n.date, n.to, n.invoices])).toEqual([['2025-02-01', ['accounts@kestrel.example'], []]]);
    expect(String(review[0]?.subject)).toContain('2025-01');
    const invoiceEmails = notifications.filter((n) => n.kind === 'invoice');
    expect(invoiceEmails).toHaveLength(10);
    expect(invoiceEmails.every((n) => n.date === '2025-02-04')).toBe(true);
  });

  it('leaves the held client a draft (not approved by *), written with its reason and no number', async () => {
    expect((await readdir(join(out, 'drafts', '2025-01'))).sort()).toEqual(['K-003.html', 'K-003.json', 'K-003.pdf']);
    const draft = await readJson(join(out, 'drafts', '2025-01', 'K-003.json'));
    expect(draft.draft).toEqual({ status: 'held', holdReason: 'PO number missing' });
    expect(draft.number).toBeUndefined();
    expect(draft.clientId).toBe('K-003');
    expect(await readFile(join(out, 'drafts', '2025-01', 'K-003.html'), 'utf8')).toContain('>DRAFT</div>');
  });

  it('lists the drafts in the reconciliation report', async () => {
    const report = await readFile(join(out, 'reports', 'reconciliation-2025-01.html'), 'utf8');
    expect(report).toContain('Drafts held for review');
    expect(report).toContain('trueup invoices approve --period 2025-01 --all');
  });
});

describe('without review settings (conformance data as it is)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-review-auto-'));
    const explicit = join(dir, 'auto');
    await cp(FIXTURE, explicit, { recursive: true });
    const settings = await readJson(join(explicit, 'trueup.json'));
    await writeFile(
      join(explicit, 'trueup.json'),
      JSON.stringify({ ...settings, invoice: { ...(settings.invoice as Json), review: 'auto' } }, null, 2),
    );
    await simulate({ data: FIXTURE, from: '2025-01-28', to: '2025-02-10', out: join(dir, 'out-unset') });
    await simulate({ data: explicit, from: '2025-01-28', to: '2025-02-10', out: join(dir, 'out-auto') });
  }, 240_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('issues on the 1st and writes no draft, byte for byte what "review": "auto" writes', async () => {
    const unset = join(dir, 'out-unset');
    const files = (await readdir(unset, { recursive: true, withFileTypes: true }))
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name).slice(unset.length + 1))
      .sort();
    expect(files.some((f) => f.startsWith('drafts'))).toBe(false);
    expect(files.filter((f) => /^invoices\/.*\.json$/.test(f))).toHaveLength(11);
    const first = await readJson(join(unset, 'invoices', 'OSP-2025-000001.json'));
    expect([first.clientId, first.issueDate]).toEqual(['K-001', '2025-02-01']);
    for (const file of files)
      expect(await readFile(join(dir, 'out-auto', file)), file).toEqual(await readFile(join(unset, file)));
  });
});
