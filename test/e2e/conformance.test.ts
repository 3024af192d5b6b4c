/**
 * The conformance example from the shared contract: `trueup simulate` over its data folder
 * must reproduce every expected output. Compared as the folder's README says: field and list
 * order free where docs/contract.md §9 does not fix them, quantities as numbers, money as exact strings,
 * discrepancy ids ours, currency_mismatch amounts open.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance');
const EXPECTED = join(FIXTURE, 'expected');
const QUANTITY_FIELDS = new Set(['contracted', 'used', 'delta', 'quantity', 'unitPrice']);

type Json = Record<string, unknown>;
const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8')) as unknown;

/** Normalizes a value for comparison: numbers-as-strings in quantity fields become numbers. */
function normalize(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, normalize(v, k)]));
  }
  if (QUANTITY_FIELDS.has(key) && typeof value === 'string') return Number(value);
  return value;
}

/** Keeps only the fields the expected object has (ours may carry more, e.g. descriptions). */
function pick(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual))
    return actual.map((a, i) => pick(a, expected[i] ?? expected[0]));
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object') {
    return Object.fromEntries(
      Object.keys(expected as Json).map((k) => [k, pick((actual as Json)[k], (expected as Json)[k])]),
    );
  }
  return actual;
}

const discrepancyKey = (d: Json): string => [d.type, d.clientId, d.sku, d.vendor, d.accountId, d.vendorSku].join('|');
const withoutOpenFields = (d: Json): Json => {
  const { id: _id, ...rest } = d;
  return d.type === 'currency_mismatch' ? { ...rest, amountAtStake: null } : rest;
};

describe('conformance example (shared/conformance)', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'trueup-conformance-'));
    await simulate({ data: join(FIXTURE, 'data'), from: '2025-01-28', to: '2025-06-10', out });
  }, 240_000);
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('writes only the outputs of the contract: nothing of a feature left off (payments, books)', async () => {
    expect((await readdir(out)).sort()).toEqual([
      '.trueup-output', // the marker that lets a later run replace the folder
      'emails',
      'index.html',
      'invoices',
      'notifications.json',
      'reconciliation',
      'reports',
    ]);
  });

  it('writes one reconciliation per billing run with the expected pairs, discrepancies, metrics and files', async () => {
    const expectedFiles = (await readdir(join(EXPECTED, 'reconciliation'))).sort();
    expect((await readdir(join(out, 'reconciliation'))).sort()).toEqual(expectedFiles);
    for (const file of expectedFiles) {
      const expected = (await readJson(join(EXPECTED, 'reconciliation', file))) as Json;
      const actual = (await readJson(join(out, 'reconciliation', file))) as Json;
      expect(actual.period, file).toBe(expected.period);
      expect(normalize(pick(actual.pairs, expected.pairs)), `${file} pairs`).toEqual(normalize(expected.pairs));
      const sortDiscrepancies = (list: unknown): Json[] =>
        (list as Json[]).map(withoutOpenFields).sort((a, b) => discrepancyKey(a).localeCompare(discrepancyKey(b)));
      const expectedDiscrepancies = sortDiscrepancies(expected.discrepancies);
      expect(pick(sortDiscrepancies(actual.discrepancies), expectedDiscrepancies), `${file} discrepancies`).toEqual(
        expectedDiscrepancies,
      );
      expect(actual.metrics, `${file} metrics`).toEqual(expected.metrics);
      expect(pick(actual.files, expected.files), `${file} files`).toEqual(expected.files);
    }
  });

  it('issues exactly the expected invoices, lines, totals, status and balance', async () => {
    const expectedFiles = (await readdir(join(EXPECTED, 'invoices'))).sort();
    const actualFiles = (await readdir(join(out, 'invoices'))).filter((f) => f.endsWith('.json')).sort();
    expect(actualFiles).toEqual(expectedFiles);
    for (const file of expectedFiles) {
      const expected = await readJson(join(EXPECTED, 'invoices', file));
      const actual = await readJson(join(out, 'invoices', file));
      expect(normalize(pick(actual, expected)), file).toEqual(normalize(expected));
    }
  });

  it('writes the aging report as of --to', async () => {
    const expected = await readFile(join(EXPECTED, 'reports', 'aging-2025-06-10.csv'), 'utf8');
    const actual = await readFile(join(out, 'reports', 'aging-2025-06-10.csv'), 'utf8');
    expect(actual.trim().split(/\r?\n/)).toEqual(expected.trim().split(/\r?\n/));
  });

  it('sends the expected emails in the expected order, one .eml each', async () => {
    const expected = (await readJson(join(EXPECTED, 'notifications.json'))) as Json[];
    const actual = (await readJson(join(out, 'notifications.json'))) as Json[];
    expect(pick(actual, expected)).toEqual(expected);
    expect((await readdir(join(out, 'emails'))).filter((f) => f.endsWith('.eml'))).toHaveLength(expected.length);
  });
});
