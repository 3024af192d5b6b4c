/**
 * Reads a data folder from disk (SPEC.md section 2): the reference files, `payments/*.csv`
 * and the list of usage files. Bytes are decoded with decodeBytes (BOM, UTF-16); all the
 * checking is the pure parser's. File names are matched case-insensitively (`Clients.csv`
 * works), and hidden files and Office lock files (`~$…`) are skipped.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeBytes } from '../../text/decode.js';
import type { Payment, ReferenceData } from '../../domain/types.js';
import {
  REFERENCE_FILE_NAMES, parsePaymentFiles, parseReferenceData, sortProblems, type Problem, type ReferenceFileNames, type ReferenceFiles,
} from '../../domain/reference/index.js';

export interface DataFolder {
  readonly reference: ReferenceData;
  readonly payments: Payment[];
  /** Absolute paths of the files directly under `usage/`, sorted by name. */
  readonly usageFiles: string[];
}

export type DataFolderResult =
  | { readonly ok: true; readonly value: DataFolder; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

interface Entry {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

async function list(dir: string): Promise<Entry[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const out: Entry[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name.startsWith('~$')) continue;
      let isFile = entry.isFile();
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const target = await stat(join(dir, entry.name)).catch(() => undefined);
        isFile = target?.isFile() ?? false;
        isDirectory = target?.isDirectory() ?? false;
      }
      out.push({ name: entry.name, isFile, isDirectory });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** The entry named `name`, exact match first, else the only case-insensitive match. */
function find(entries: readonly Entry[], name: string, kind: 'file' | 'directory'): Entry | undefined {
  const fits = (entry: Entry): boolean => (kind === 'file' ? entry.isFile : entry.isDirectory);
  return entries.find((entry) => entry.name === name && fits(entry))
    ?? entries.find((entry) => entry.name.toLowerCase() === name.toLowerCase() && fits(entry));
}

const text = async (path: string): Promise<string> => decodeBytes(await readFile(path));

/** Reads and checks the data folder `dir`; every problem in every file, or the data. */
export async function readDataFolder(dir: string): Promise<DataFolderResult> {
  const root = resolve(dir);
  const entries = await list(root);
  if (entries === undefined) return { ok: false, problems: [{ file: dir, reason: 'is not a folder (it does not exist or is a file)' }] };

  const names: { -readonly [K in keyof ReferenceFileNames]: string } = { ...REFERENCE_FILE_NAMES };
  const files: { -readonly [K in keyof ReferenceFiles]: ReferenceFiles[K] } = {
    clients: undefined, accounts: undefined, products: undefined, skuMap: undefined, agreements: undefined,
  };
  for (const key of Object.keys(REFERENCE_FILE_NAMES) as (keyof ReferenceFileNames)[]) {
    const entry = find(entries, REFERENCE_FILE_NAMES[key], 'file');
    if (entry === undefined) continue;
    names[key] = entry.name;
    files[key] = await text(join(root, entry.name));
  }
  const reference = parseReferenceData(files, names);

  const paymentsDir = find(entries, 'payments', 'directory');
  const paymentFiles: { file: string; text: string }[] = [];
  if (paymentsDir) {
    for (const entry of (await list(join(root, paymentsDir.name))) ?? []) {
      if (!entry.isFile || !/\.csv$/i.test(entry.name)) continue;
      paymentFiles.push({ file: `${paymentsDir.name}/${entry.name}`, text: await text(join(root, paymentsDir.name, entry.name)) });
    }
  }
  const payments = parsePaymentFiles(paymentFiles);

  const usageDir = find(entries, 'usage', 'directory');
  const usageFiles = usageDir
    ? ((await list(join(root, usageDir.name))) ?? []).filter((entry) => entry.isFile).map((entry) => join(root, usageDir.name, entry.name))
    : [];

  if (!reference.ok || !payments.ok) {
    const problems = [...(reference.ok ? [] : reference.problems), ...(payments.ok ? [] : payments.problems)];
    return { ok: false, problems: sortProblems(problems, [...Object.values(names), ...paymentFiles.map((file) => file.file)]) };
  }
  return {
    ok: true,
    value: { reference: reference.value, payments: payments.value, usageFiles },
    warnings: [...reference.warnings, ...payments.warnings],
  };
}
