/**
 * The whole reference data set from the texts of its files, with every problem across all
 * files (docs/contract.md §2: nothing is half-imported) and the cross-file rules: accounts,
 * agreements and sku-map rows must name known clients and products.
 */
import type { ReferenceData, Settings } from '../billing-types.js';
import type { RawRow, Table } from './csv-table.js';
import {
  ACCOUNT_KEY,
  AGREEMENT_KEY,
  CLIENT_KEY,
  PRODUCT_KEY,
  SKU_MAP_KEY,
  overlappingAgreements,
  readKeyedTable,
} from './parse.js';
import { fail, sortProblems, succeed, type ParseResult, type Problem } from './problems.js';
import { DEFAULT_SETTINGS, parseSettings } from './settings.js';
import { accountsSpec, agreementsSpec, clientsSpec, productsSpec, skuMapSpec } from './tables.js';

/** The texts of the reference files. `settings` absent: all defaults; a CSV `undefined`: the file is missing. */
export interface ReferenceFiles {
  readonly settings?: string;
  readonly clients: string | undefined;
  readonly accounts: string | undefined;
  readonly products: string | undefined;
  readonly skuMap: string | undefined;
  readonly agreements: string | undefined;
}

export type ReferenceFileNames = { readonly [K in keyof ReferenceFiles]-?: string };

export const REFERENCE_FILE_NAMES: ReferenceFileNames = {
  settings: 'trueup.json',
  clients: 'clients.csv',
  accounts: 'accounts.csv',
  products: 'products.csv',
  skuMap: 'sku-map.csv',
  agreements: 'agreements.csv',
};

const COLUMNS_OF: Record<Exclude<keyof ReferenceFiles, 'settings'>, readonly string[]> = {
  clients: clientsSpec(0).required,
  accounts: accountsSpec.required,
  products: productsSpec.required,
  skuMap: skuMapSpec.required,
  agreements: agreementsSpec.required,
};

function missing(name: keyof typeof COLUMNS_OF, names: ReferenceFileNames): Problem {
  return {
    file: names[name],
    reason: `is missing: the data folder needs it, with at least the columns ${COLUMNS_OF[name].join(', ')}`,
  };
}

/** The key values a table defines, from every row that has one (valid or not: no cascading problems). */
function keysOf(table: Table<unknown> | undefined, column: string): Map<string, string> | undefined {
  if (table === undefined || !table.headerOk) return undefined;
  const keys = new Map<string, string>();
  for (const row of table.raw) {
    const value = row.cells[column];
    if (value !== undefined) keys.set(value, value);
  }
  return keys;
}

/** Rows of `rows` whose `column` names nothing in `known`; a case-only difference gets a hint. */
function unknownReferences(
  rows: readonly RawRow[],
  file: string,
  column: string,
  known: ReadonlyMap<string, string> | undefined,
  what: string,
  knownFile: string,
): Problem[] {
  if (known === undefined) return [];
  const folded = new Map<string, string>();
  for (const value of known.keys()) folded.set(value.toLowerCase(), value);
  const problems: Problem[] = [];
  for (const row of rows) {
    const value = row.cells[column];
    if (value === undefined || known.has(value)) continue;
    const near = folded.get(value.toLowerCase());
    const hint = near !== undefined ? ` (did you mean ${JSON.stringify(near)}? ids are case-sensitive)` : '';
    problems.push({
      file,
      line: row.line,
      column,
      reason: `${what} ${JSON.stringify(value)} is not in ${knownFile}${hint}`,
    });
  }
  return problems;
}

/** Parses and checks the whole reference data set; every problem of every file, or the data. */
export function parseReferenceData(
  files: ReferenceFiles,
  names: ReferenceFileNames = REFERENCE_FILE_NAMES,
): ParseResult<ReferenceData> {
  const problems: Problem[] = [];

  const settingsResult = parseSettings(files.settings, names.settings);
  if (!settingsResult.ok) problems.push(...settingsResult.problems);
  const settings: Settings = settingsResult.ok ? settingsResult.value : DEFAULT_SETTINGS;

  const read = <T>(
    name: keyof typeof COLUMNS_OF,
    build: (text: string, file: string) => Table<T>,
  ): Table<T> | undefined => {
    const text = files[name];
    if (text === undefined) {
      problems.push(missing(name, names));
      return undefined;
    }
    const table = build(text, names[name]);
    problems.push(...table.problems);
    return table;
  };

  const clients = read('clients', (text, file) =>
    readKeyedTable(text, file, clientsSpec(settings.invoice.paymentTermsDays), CLIENT_KEY),
  );
  const accounts = read('accounts', (text, file) => readKeyedTable(text, file, accountsSpec, ACCOUNT_KEY));
  const products = read('products', (text, file) => readKeyedTable(text, file, productsSpec, PRODUCT_KEY));
  const skuMap = read('skuMap', (text, file) => readKeyedTable(text, file, skuMapSpec, SKU_MAP_KEY));
  const agreements = read('agreements', (text, file) => readKeyedTable(text, file, agreementsSpec, AGREEMENT_KEY));

  const clientIds = keysOf(clients, 'client_id');
  const skus = keysOf(products, 'sku');
  if (accounts)
    problems.push(...unknownReferences(accounts.raw, names.accounts, 'client_id', clientIds, 'client', names.clients));
  if (skuMap) problems.push(...unknownReferences(skuMap.raw, names.skuMap, 'sku', skus, 'product', names.products));
  if (agreements) {
    problems.push(
      ...unknownReferences(agreements.raw, names.agreements, 'client_id', clientIds, 'client', names.clients),
    );
    problems.push(...unknownReferences(agreements.raw, names.agreements, 'sku', skus, 'product', names.products));
    problems.push(...overlappingAgreements(agreements.rows, names.agreements));
  }

  if (problems.length > 0 || !clients || !accounts || !products || !skuMap || !agreements) {
    return fail(sortProblems(problems, Object.values(names)));
  }
  return succeed({
    settings,
    clients: clients.rows.map((row) => row.value),
    accounts: accounts.rows.map((row) => row.value),
    products: products.rows.map((row) => row.value),
    skuMap: skuMap.rows.map((row) => row.value),
    agreements: agreements.rows.map((row) => row.value),
  });
}
