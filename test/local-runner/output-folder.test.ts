/** The output folder of simulate/demo: what it refuses (removing nothing) and how it replaces its own. */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkOutputFolder,
  discardOutputFolder,
  finishOutputFolder,
  OUTPUT_MARKER,
  OutputFolderError,
  startOutputFolder,
} from '../../functions/local-runner/output-folder.js';

let root: string;
let data: string;
let home: string;
let cwd: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-out-'));
  data = join(root, 'work', 'data');
  home = join(root, 'home', 'me');
  cwd = join(root, 'work', 'project');
  for (const dir of [data, home, cwd]) await mkdir(dir, { recursive: true });
  await writeFile(join(data, 'clients.csv'), 'client_id\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const guards = () => ({ data, home, cwd });
async function refusal(out: string): Promise<string> {
  const error = await checkOutputFolder(out, guards()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutputFolderError);
  return (error as Error).message;
}

describe('checkOutputFolder', () => {
  it('refuses the data folder, what is inside it and what holds it', async () => {
    expect(await refusal(data)).toBe(
      `Refusing to use ${data} as the output folder: it is the data folder. Nothing was written; choose an empty or new folder for --out.`,
    );
    expect(await refusal(join(data, 'new', 'out'))).toContain(`it is inside the data folder ${data}`);
    expect(await refusal(join(root, 'work'))).toContain(`it contains the data folder ${data}`);
    await symlink(data, join(root, 'link-to-data'));
    expect(await refusal(join(root, 'link-to-data'))).toContain('it is the data folder');
  });

  it('refuses the current directory, a home folder, / and any folder that holds one of them', async () => {
    expect(await refusal(cwd)).toContain('it is the current directory');
    expect(await refusal(home)).toContain('it is your home folder');
    expect(await refusal(join(root, 'home'))).toContain(`it contains your home folder (${home})`);
    expect(await refusal('/')).toContain('it is the root folder');
  });

  it('refuses a file and a non-empty folder TrueUp did not create, and accepts a new, empty or marked folder', async () => {
    await writeFile(join(root, 'notes.txt'), 'mine');
    expect(await refusal(join(root, 'notes.txt'))).toContain('it is a file');
    await mkdir(join(root, 'photos'));
    await writeFile(join(root, 'photos', 'cat.jpg'), 'meow');
    expect(await refusal(join(root, 'photos'))).toContain(
      `it is not empty and TrueUp did not create it (no ${OUTPUT_MARKER} file in it)`,
    );
    expect(await readFile(join(root, 'photos', 'cat.jpg'), 'utf8')).toBe('meow');
    await mkdir(join(root, 'empty'));
    await checkOutputFolder(join(root, 'empty'), guards());
    await checkOutputFolder(join(cwd, 'out', 'demo'), guards());
    await mkdir(join(root, 'marked'));
    await writeFile(join(root, 'marked', OUTPUT_MARKER), '');
    await writeFile(join(root, 'marked', 'index.html'), 'old');
    await checkOutputFolder(join(root, 'marked'), guards());
  });
});

describe('writing an output folder', () => {
  it('writes beside OUT, swaps it in at the end, and a run that never finishes leaves the previous outputs', async () => {
    const out = join(root, 'runs', 'out');
    const first = await startOutputFolder(out);
    await writeFile(join(first, 'index.html'), 'first');
    await finishOutputFolder(first, out, guards());
    expect((await readdir(out)).sort()).toEqual([OUTPUT_MARKER, 'index.html']);
    // A second run is killed half-way: OUT still holds the first run's outputs.
    const killed = await startOutputFolder(out);
    await writeFile(join(killed, 'index.html'), 'half');
    expect(await readFile(join(out, 'index.html'), 'utf8')).toBe('first');
    // The next run clears what the killed one left, and replaces OUT (it is marked).
    const third = await startOutputFolder(out);
    await writeFile(join(third, 'index.html'), 'third');
    await finishOutputFolder(third, out, guards());
    expect(await readFile(join(out, 'index.html'), 'utf8')).toBe('third');
    expect((await readdir(join(root, 'runs'))).sort()).toEqual(['out']);
    // A failed run removes only its own partial folder.
    const failed = await startOutputFolder(out);
    await discardOutputFolder(failed);
    expect((await readdir(join(root, 'runs'))).sort()).toEqual(['out']);
  });

  it("does not swap in over a folder that became someone else's during the run", async () => {
    const out = join(root, 'raced');
    const partial = await startOutputFolder(out);
    await mkdir(out);
    await writeFile(join(out, 'thesis.tex'), 'precious');
    await expect(finishOutputFolder(partial, out, guards())).rejects.toThrow(OutputFolderError);
    expect(await readFile(join(out, 'thesis.tex'), 'utf8')).toBe('precious');
    await discardOutputFolder(partial);
  });

  it('removes only folders it marked: a partial whose marker is gone and that holds files is left as it is', async () => {
    const out = join(root, 'unmarked');
    const partial = await startOutputFolder(out);
    await rm(join(partial, OUTPUT_MARKER));
    await writeFile(join(partial, 'notes.txt'), 'not ours any more');
    await discardOutputFolder(partial);
    expect(await readFile(join(partial, 'notes.txt'), 'utf8')).toBe('not ours any more');
    const empty = await startOutputFolder(join(root, 'emptied'));
    await rm(join(empty, OUTPUT_MARKER));
    await discardOutputFolder(empty);
    await expect(readdir(empty)).rejects.toThrow(/ENOENT/);
  });
});
