/**
 * `trueup simulate` over a copy of the conformance data folder with `statements.dayOfMonth: 1`
 * and `dunning.statement: true`: one `statement` email per client with something open (or paid
 * that month) on each 1st, after that day's invoices, its files in OUT/statements/<date>/; and
 * the dunning emails sent on the same days, to the same clients, recording the same steps as
 * without the settings (the conformance test checks the folder as it is).
 */
import { access, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance');

type Notification = {
  date: string;
  kind: string;
  to: string[];
  subject: string;
  invoices: { number: string; step?: string }[];
};
const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

let root: string;
let out: string;
let notifications: Notification[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-statements-'));
  const data = join(root, 'data');
  out = join(root, 'out');
  await cp(join(FIXTURE, 'data'), data, { recursive: true });
  const settings = await readJson<Record<string, unknown> & { dunning?: Record<string, unknown> }>(
    join(data, 'trueup.json'),
  );
  await writeFile(
    join(data, 'trueup.json'),
    JSON.stringify(
      { ...settings, statements: { dayOfMonth: 1 }, dunning: { ...(settings.dunning ?? {}), statement: true } },
      null,
      2,
    ),
  );
  await simulate({ data, from: '2025-01-28', to: '2025-06-10', out });
  notifications = await readJson<Notification[]>(join(out, 'notifications.json'));
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('simulate with statements', () => {
  it('sends one statement per client on each 1st, listing that day’s invoices, and writes its files', async () => {
    const statements = notifications.filter((n) => n.kind === 'statement');
    expect(statements.length).toBeGreaterThan(0);
    expect(new Set(statements.map((n) => n.date))).toEqual(
      new Set(['2025-02-01', '2025-03-01', '2025-04-01', '2025-05-01', '2025-06-01']),
    );
    const perClientAndDay = statements.map((n) => `${n.to.join(',')}#${n.date}`);
    expect(new Set(perClientAndDay).size).toBe(perClientAndDay.length);
    // The invoices issued on 2025-03-01 asking for money are on that day's statements (a credit
    // invoice, total below 0, is not open).
    const issuedMarch = notifications.filter(
      (n) => n.kind === 'invoice' && n.date === '2025-03-01' && !/ — [A-Z]{3} -/.test(n.subject),
    );
    expect(issuedMarch.length).toBeGreaterThan(3);
    const missing = issuedMarch.filter((invoice) => {
      const statement = statements.find((n) => n.date === '2025-03-01' && n.to.join() === invoice.to.join());
      return !statement?.invoices.some((i) => i.number === invoice.invoices[0]?.number);
    });
    expect(missing.map((n) => [n.to, n.subject])).toEqual([]);
    const clients = (await readFile(join(FIXTURE, 'data', 'clients.csv'), 'utf8'))
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => ({ id: line.split(',')[0]!, email: line.split(',')[2]! }));
    for (const n of statements) {
      const client = clients.find((c) => c.email === n.to[0]);
      for (const kind of ['html', 'pdf'])
        await expect(access(join(out, 'statements', n.date, `${client?.id}.${kind}`))).resolves.toBeUndefined();
    }
  });

  it('keeps every dunning email (day, client, steps) as without the settings, each now statement-style', async () => {
    const expected = await readJson<Notification[]>(join(FIXTURE, 'expected', 'notifications.json'));
    const dunning = (list: Notification[]): unknown[] =>
      list.filter((n) => n.kind === 'dunning').map((n) => [n.date, n.to, n.invoices]);
    expect(dunning(notifications)).toEqual(dunning(expected));
    const withoutStatements = notifications.filter((n) => n.kind !== 'statement').map((n) => [n.date, n.kind, n.to]);
    expect(withoutStatements).toEqual(expected.map((n) => [n.date, n.kind, n.to]));
  });
});
