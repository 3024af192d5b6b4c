/**
 * The output folder of `trueup simulate --out` (and the demo): checked before anything is
 * written, written beside it and swapped in only when complete.
 *
 * A folder is replaced only if TrueUp created it (it holds the `.trueup-output` marker, which
 * every output folder gets). Refused, whatever the flags: the data folder, a folder inside it or
 * one that contains it; the current directory, a home folder or `/`, or a folder that contains
 * one of them; a file; any other folder that is not empty. A marked folder is replaced without
 * asking: re-running the same command (`npm start`) is the common case, and it only ever held
 * what a previous run wrote.
 *
 * A run writes into a marked temporary sibling (`.<name>.trueup-partial-<random>`) and renames it
 * into place at the end, so a killed run leaves the previous outputs as they were.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, realpath, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';

export const OUTPUT_MARKER = '.trueup-output';
const PARTIAL = '.trueup-partial-';
const PREVIOUS = '.trueup-previous-';

/** An output folder TrueUp must not replace: the message says which rule and what to do. */
export class OutputFolderError extends Error {}

export interface OutputGuards {
  /** The data folder of the run. */
  readonly data: string;
  readonly cwd?: string;
  readonly home?: string;
}

/** The real path of `path`, or of its closest existing ancestor joined with the rest. */
async function realish(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(await realish(parent), basename(absolute));
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Throws OutputFolderError when `out` may not be (re)placed; writes nothing. */
export async function checkOutputFolder(out: string, guards: OutputGuards): Promise<void> {
  const target = await realish(out);
  const data = await realish(guards.data);
  const refuse = (why: string): never => {
    throw new OutputFolderError(
      `Refusing to use ${out} as the output folder: ${why}. Nothing was written; choose an empty or new folder for --out.`,
    );
  };
  const protectedFolders: [string, string][] = [
    [parse(target).root, 'the root folder'],
    [await realish(guards.home ?? homedir()), 'your home folder'],
    [await realish(guards.cwd ?? process.cwd()), 'the current directory'],
  ];
  for (const [folder, name] of protectedFolders) if (folder === target) refuse(`it is ${name}`);
  if (isInside(target, data))
    refuse(target === data ? 'it is the data folder' : `it is inside the data folder ${guards.data}`);
  if (isInside(data, target)) refuse(`it contains the data folder ${guards.data}`);
  for (const [folder, name] of protectedFolders)
    if (isInside(folder, target)) refuse(`it contains ${name} (${folder})`);
  const info = await stat(target).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) refuse('it is a file');
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
    refuse(`it is not empty and TrueUp did not create it (no ${OUTPUT_MARKER} file in it)`);
  }
}

/** A new marked folder beside `out`, to write a run's outputs into. */
export async function startOutputFolder(out: string): Promise<string> {
  const parent = dirname(resolve(out));
  await mkdir(parent, { recursive: true });
  await removeLeftovers(out);
  // Not mkdtemp: its 0700 would make the outputs unreadable to a web server run as another user.
  const partial = join(parent, `.${basename(out)}${PARTIAL}${randomBytes(3).toString('hex')}`);
  await mkdir(partial);
  await writeFile(
    join(partial, OUTPUT_MARKER),
    'Written by trueup simulate; the next run with the same --out replaces this folder.\n',
  );
  return partial;
}

/** Moves the complete `partial` into place, then removes the outputs it replaces. */
export async function finishOutputFolder(partial: string, out: string, guards: OutputGuards): Promise<void> {
  await checkOutputFolder(out, guards); // the folder may have changed during the run
  const target = resolve(out);
  const previous = join(dirname(target), `.${basename(target)}${PREVIOUS}${basename(partial).slice(-6)}`);
  const hadPrevious = await stat(target).then(
    () => true,
    () => false,
  );
  if (hadPrevious) await rename(target, previous);
  await rename(partial, target);
  if (hadPrevious) await removeOwnFolder(previous);
}

/** Removes a failed run's partial folder. */
export async function discardOutputFolder(partial: string): Promise<void> {
  await removeOwnFolder(partial);
}

/**
 * Removes a folder only if TrueUp made it: recursively when it holds the output marker, and
 * only when empty otherwise (an empty folder given as --out). Anything else is left in place,
 * whatever happened to it since it was checked.
 */
async function removeOwnFolder(path: string): Promise<void> {
  const entries: string[] = await readdir(path).catch(() => []);
  if (entries.includes(OUTPUT_MARKER)) await rm(path, { recursive: true, force: true });
  else if (entries.length === 0) await rmdir(path).catch(() => undefined);
}

/** Partial or previous siblings a killed run left behind, each marked as TrueUp's own. */
async function removeLeftovers(out: string): Promise<void> {
  const parent = dirname(resolve(out));
  const prefixes = [PARTIAL, PREVIOUS].map((p) => `.${basename(out)}${p}`);
  for (const name of await readdir(parent).catch(() => [])) {
    if (!prefixes.some((p) => name.startsWith(p) && name.length === p.length + 6)) continue;
    await removeOwnFolder(join(parent, name));
  }
}
