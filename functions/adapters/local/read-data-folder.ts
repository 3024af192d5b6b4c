/**
 * Reads a data folder from disk (docs/contract.md §2): the reference files, `payments/*.csv`
 * and the list of usage files. Bytes are decoded with decodeBytes (BOM, UTF-16); all the
 * checking is the pure parser's. File names are matched case-insensitively (`Clients.csv`
 * works), and hidden files and Office lock files (`~$…`) are skipped.
 *
 * `usage/` and `payments/` are read with their subfolders (`usage/2025-01/x.csv`), in the
 * code-point order of the path under the folder. Nothing there is read from outside the data
 * folder: a symbolic link (to a file or a folder) whose real path is outside it, a broken
 * link, a link back to a folder already read (a loop) and anything that is neither a file nor
 * a folder are problems naming the file, never skipped.
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { decodeBytes } from '../../text/decode.js';
import type { Charge, Payment, ReferenceData } from '../../domain/billing-types.js';
import { measureText } from '../../text/measure.js';
import { MAX_LOGO_BYTES, readLogo } from './read-logo.js';
import {
  CHARGES_FILE,
  REFERENCE_FILE_NAMES,
  parseCharges,
  parsePaymentFiles,
  parseReferenceData,
  sortProblems,
  type PaymentFileOptions,
  type Problem,
  type ReferenceFileNames,
  type ReferenceFiles,
} from '../../domain/reference/index.js';
import {
  APPROVALS_FILE,
  approvalProblems,
  parseApprovals,
  type ApprovalRow,
} from '../../domain/reference/approvals.js';
import { ADJUSTMENTS_FILE, parseAdjustments, type Adjustment } from '../../domain/reference/adjustments.js';

export interface DataFolder {
  readonly reference: ReferenceData;
  readonly payments: Payment[];
  /** Absolute paths of the files under `usage/` and its subfolders, in the order of `usage`. */
  readonly usageFiles: string[];
  /** The same files with their names: the path under `usage/`, with `/` (`2025-01/x.csv`). */
  readonly usage: readonly UsageFile[];
  /** `approvals.csv` (hold mode, docs/review.md): approvals and holds simulate applies on their dates; none without the file. */
  readonly approvals: readonly ApprovalRow[];
  /** adjustments.csv (credit notes and voids), in (date, adjustment_id) order; empty without the file. */
  readonly adjustments: readonly Adjustment[];
  /** The optional charges.csv's one-off charges (docs/charges.md); empty without the file. */
  readonly charges: readonly Charge[];
}

export interface UsageFile {
  /** The path under `usage/` with `/` between folders: unique in the folder, and what reports show. */
  readonly name: string;
  readonly path: string;
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
      if (hidden(entry.name)) continue;
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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw error;
  }
}

const hidden = (name: string): boolean => name.startsWith('.') || name.startsWith('~$');

/** Code-point order (UTF-8 byte order), the same on every machine and locale. */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const within = (root: string, path: string): boolean =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** A file found under `usage/` or `payments/`: its path under that folder (with `/`) and on disk. */
interface TreeFile {
  readonly rel: string;
  readonly path: string;
}

/**
 * Every file under `top` (`label` is how problems name it: `usage`) and its subfolders whose
 * name `wanted` accepts, sorted by path under `top`, and the problems of what cannot be read
 * safely. `realRoot` is the data folder's real path: nothing outside it is read.
 */
async function listTree(
  top: string,
  label: string,
  realRoot: string,
  wanted: (name: string) => boolean,
): Promise<{ files: TreeFile[]; problems: Problem[] }> {
  const files: TreeFile[] = [];
  const problems: Problem[] = [];
  const visited = new Set<string>();
  const outside = (file: string, target: string): Problem => ({
    file,
    reason: `is a link to ${target}, outside the data folder: TrueUp reads only what is inside it (copy the files in instead)`,
  });
  const enter = async (dir: string, real: string, rel: string): Promise<void> => {
    visited.add(real);
    const entries = (await readdir(dir, { withFileTypes: true })).filter((entry) => !hidden(entry.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const under = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const named = `${label}/${under}`;
      let kind = entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
      if (entry.isSymbolicLink()) {
        const target = await realpath(path).catch(() => undefined);
        if (target === undefined) {
          problems.push({ file: named, reason: 'is a symbolic link to nothing (its target does not exist)' });
          continue;
        }
        const info = await stat(target);
        kind = info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
        if (kind === 'file' && !wanted(entry.name)) continue;
        if (!within(realRoot, target)) {
          problems.push(outside(named, target));
          continue;
        }
        // A link to the folder it sits in, to one above, or to one read already: a loop, or the same files twice.
        if (kind === 'directory' && (within(target, real) || visited.has(target))) {
          problems.push({
            file: named,
            reason: `is a link to a folder that is read already (${target}): a loop or the same files twice; remove the link`,
          });
          continue;
        }
      }
      if (kind === 'directory') await enter(path, await realpath(path), under);
      else if (kind === 'file') {
        if (wanted(entry.name)) files.push({ rel: under, path });
      } else
        problems.push({
          file: named,
          reason: 'is neither a file nor a folder (a pipe, socket or device): put usage and payments files here',
        });
    }
  };
  const realTop = await realpath(top);
  if (within(realRoot, realTop)) await enter(top, realTop, '');
  else problems.push(outside(label, realTop));
  return { files: files.sort((a, b) => byCodePoint(a.rel, b.rel)), problems };
}

/** The entry named `name`, exact match first, else the only case-insensitive match. */
function find(entries: readonly Entry[], name: string, kind: 'file' | 'directory'): Entry | undefined {
  const fits = (entry: Entry): boolean => (kind === 'file' ? entry.isFile : entry.isDirectory);
  return (
    entries.find((entry) => entry.name === name && fits(entry)) ??
    entries.find((entry) => entry.name.toLowerCase() === name.toLowerCase() && fits(entry))
  );
}

const text = async (path: string): Promise<string> => decodeBytes(await readFile(path));

/**
 * Reference, settings and payments files are read whole. A larger one is refused with a clear
 * problem before it is read (a multi-gigabyte file would otherwise exhaust memory or fail with
 * an engine error about string length). Usage files are streamed and have no such limit.
 */
export const MAX_DATA_FILE_BYTES = 64 * 1024 * 1024;

async function sizeProblem(path: string, file: string): Promise<Problem | undefined> {
  const { size } = await stat(path);
  if (size <= MAX_DATA_FILE_BYTES) return undefined;
  // Rounded up, so a file just over the limit never reads as "64 MB".
  const mb = (bytes: number): string => `${measureText(Math.ceil((bytes / (1024 * 1024)) * 10) / 10, 1, 0)} MB`;
  return {
    file,
    reason: `is ${mb(size)}: a reference, settings or payments file is read whole, so it must be at most ${mb(MAX_DATA_FILE_BYTES)} (split payments into several payments/*.csv files)`,
  };
}

/** The logo file (a path relative to the data folder): its size and bytes, or undefined when there is no such file. */
async function logoBytes(root: string, file: string): Promise<{ size: number; bytes?: Buffer } | undefined> {
  // The setting is a relative path without `..`; its real path must stay inside the folder too,
  // so a symbolic link cannot put a file from elsewhere on an invoice.
  const path = await realpath(resolve(root, file)).catch(() => undefined);
  if (path === undefined || !within(await realpath(root), path)) return undefined;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  // A file over the limit is refused without being read.
  return info.size > MAX_LOGO_BYTES ? { size: info.size } : { size: info.size, bytes: await readFile(path) };
}

/**
 * Reads and checks the data folder `dir`; every problem in every file, or the data with its
 * warnings. `options.lastDay` reports payments received after the run's last day.
 */
export async function readDataFolder(dir: string, options: PaymentFileOptions = {}): Promise<DataFolderResult> {
  const root = resolve(dir);
  const entries = await list(root);
  if (entries === undefined)
    return { ok: false, problems: [{ file: dir, reason: 'is not a folder (it does not exist or is a file)' }] };

  const names: { -readonly [K in keyof ReferenceFileNames]: string } = { ...REFERENCE_FILE_NAMES };
  const found: { key: keyof ReferenceFileNames; path: string }[] = [];
  for (const key of Object.keys(REFERENCE_FILE_NAMES) as (keyof ReferenceFileNames)[]) {
    const entry = find(entries, REFERENCE_FILE_NAMES[key], 'file');
    if (entry === undefined) continue;
    names[key] = entry.name;
    found.push({ key, path: join(root, entry.name) });
  }
  const realRoot = await realpath(root);
  const paymentsDir = find(entries, 'payments', 'directory');
  const paymentPaths: { file: string; path: string }[] = [];
  const unsafe: Problem[] = [];
  if (paymentsDir) {
    const tree = await listTree(join(root, paymentsDir.name), paymentsDir.name, realRoot, (name) =>
      /\.csv$/i.test(name),
    );
    unsafe.push(...tree.problems);
    for (const { rel, path } of tree.files) paymentPaths.push({ file: `${paymentsDir.name}/${rel}`, path });
  }
  const usageDir = find(entries, 'usage', 'directory');
  const usage: UsageFile[] = [];
  if (usageDir) {
    const tree = await listTree(join(root, usageDir.name), usageDir.name, realRoot, () => true);
    unsafe.push(...tree.problems);
    for (const { rel, path } of tree.files) usage.push({ name: rel, path });
  }
  if (unsafe.length > 0) return { ok: false, problems: sortProblems(unsafe) };
  const adjustmentsEntry = find(entries, ADJUSTMENTS_FILE, 'file');
  const adjustmentsPath = adjustmentsEntry
    ? [{ file: adjustmentsEntry.name, path: join(root, adjustmentsEntry.name) }]
    : [];
  const chargesEntry = find(entries, CHARGES_FILE, 'file');
  const chargesFile = chargesEntry ? { file: chargesEntry.name, path: join(root, chargesEntry.name) } : undefined;
  const tooBig: Problem[] = [];
  for (const { file, path } of [
    ...found.map(({ key, path }) => ({ file: names[key], path })),
    ...paymentPaths,
    ...adjustmentsPath,
    ...(chargesFile ? [chargesFile] : []),
  ]) {
    const problem = await sizeProblem(path, file);
    if (problem) tooBig.push(problem);
  }
  if (tooBig.length > 0) return { ok: false, problems: tooBig };

  const files: { -readonly [K in keyof ReferenceFiles]: ReferenceFiles[K] } = {
    clients: undefined,
    accounts: undefined,
    products: undefined,
    skuMap: undefined,
    agreements: undefined,
  };
  for (const { key, path } of found) files[key] = await text(path);
  const reference = parseReferenceData(files, names);

  const paymentFiles: { file: string; text: string }[] = [];
  for (const { file, path } of paymentPaths) paymentFiles.push({ file, text: await text(path) });
  const payments = parsePaymentFiles(paymentFiles, options);
  const approvals = await readApprovals(root, entries, reference.ok ? reference.value : undefined);

  const adjustments = adjustmentsEntry
    ? parseAdjustments(await text(join(root, adjustmentsEntry.name)), adjustmentsEntry.name, {
        ...(reference.ok ? { invoicePrefix: reference.value.settings.invoice.prefix } : {}),
      })
    : undefined;

  const logo =
    reference.ok && reference.value.settings.msp.logo !== undefined
      ? readLogo(
          reference.value.settings.msp.logo,
          await logoBytes(root, reference.value.settings.msp.logo),
          names.settings,
        )
      : undefined;

  // Checked against the reference data, so only once that parsed.
  const charges =
    chargesFile && reference.ok
      ? parseCharges(await text(chargesFile.path), reference.value, chargesFile.file)
      : undefined;

  if (
    !reference.ok ||
    !payments.ok ||
    logo?.ok === false ||
    approvals.problems.length > 0 ||
    adjustments?.ok === false ||
    charges?.ok === false
  ) {
    const problems = [
      ...(reference.ok ? [] : reference.problems),
      ...(payments.ok ? [] : payments.problems),
      ...(adjustments?.ok === false ? adjustments.problems : []),
      ...(logo?.ok === false ? [logo.problem] : []),
      ...approvals.problems,
      ...(charges?.ok === false ? charges.problems : []),
    ];
    return {
      ok: false,
      problems: sortProblems(problems, [
        ...Object.values(names),
        ...paymentFiles.map((file) => file.file),
        ...(chargesFile ? [chargesFile.file] : []),
      ]),
    };
  }
  return {
    ok: true,
    value: {
      reference: logo?.ok ? { ...reference.value, logo: logo.logo } : reference.value,
      payments: payments.value,
      usageFiles: usage.map((file) => file.path),
      usage,
      approvals: approvals.rows,
      adjustments: adjustments?.ok ? adjustments.value : [],
      charges: charges?.ok ? charges.value : [],
    },
    warnings: [...reference.warnings, ...payments.warnings],
  };
}

/** The optional approvals.csv: its rows, or the problems of its rows (file, line, column), checked against the reference data when it is valid. */
async function readApprovals(
  root: string,
  entries: readonly Entry[],
  reference: ReferenceData | undefined,
): Promise<{ rows: ApprovalRow[]; problems: Problem[] }> {
  const entry = find(entries, APPROVALS_FILE, 'file');
  if (!entry) return { rows: [], problems: [] };
  const path = join(root, entry.name);
  const tooBig = await sizeProblem(path, entry.name);
  if (tooBig) return { rows: [], problems: [tooBig] };
  const parsed = parseApprovals(await text(path), entry.name);
  if (!parsed.ok) return { rows: [], problems: [...parsed.problems] };
  const problems = reference ? approvalProblems(parsed.value, reference, entry.name) : [];
  return { rows: problems.length > 0 ? [] : parsed.value, problems };
}
