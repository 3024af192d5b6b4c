/**
 * The CLI's manners: errors a user can cause are one clear message without a stack trace,
 * every command and option is described, and stopping it (Ctrl+C, SIGTERM, its npx parent
 * going away) stops everything it started.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../bin/cli.js';

const ROOT = join(import.meta.dirname, '../..');
const TRUEUP = join(ROOT, 'bin', 'trueup.mjs');
const EXAMPLE = join(ROOT, 'examples', 'acme-it');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'trueup-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs main() in this process and captures what it printed. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    }),
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      out += `${a.join(' ')}\n`;
    }),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      err += `${a.join(' ')}\n`;
    }),
  ];
  try {
    const code = await main(['node', 'trueup', ...args]);
    return { code, out, err };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

const NO_STACK = /\n\s+at /;

describe('trueup CLI: user errors', () => {
  it('prints its version from package.json', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await run('--version')).toMatchObject({ code: 0, out: `${version}\n` });
  });

  it('names an unknown option, with a suggestion, before any missing required option', async () => {
    const { code, err } = await run('simulate', '--dat', 'x');
    expect(code).toBe(1);
    expect(err).toContain("error: unknown option '--dat'\n(Did you mean --data?)");
    expect(err).not.toContain('required option');
  });

  it('says a day that does not exist is not a real calendar date', async () => {
    const { code, err } = await run(
      'simulate',
      '--data',
      EXAMPLE,
      '--from',
      '2026-02-30',
      '--to',
      '2026-03-01',
      '--out',
      join(scratch, 'o'),
    );
    expect(code).toBe(1);
    expect(err).toContain('"2026-02-30" is not a real calendar date');
    expect((await run('run', 'billing', '--date', '2026-13-01')).err).toContain(
      '"2026-13-01" is not a real calendar date',
    );
    expect((await run('run', 'billing', '--date', '1/2/2026')).err).toContain(
      '"1/2/2026" is not a date in YYYY-MM-DD form',
    );
  });

  it('refuses --from after --to in one line, without a stack trace', async () => {
    const { code, err } = await run(
      'simulate',
      '--data',
      EXAMPLE,
      '--from',
      '2026-03-01',
      '--to',
      '2026-02-01',
      '--out',
      join(scratch, 'o'),
    );
    expect(code).toBe(1);
    expect(err).toBe('--from 2026-03-01 is after --to 2026-02-01: nothing to simulate.\n');
  });

  it('refuses an OUT it must not replace, removing nothing, before the stand-in starts', async () => {
    const mine = join(scratch, 'mine');
    await mkdir(mine);
    await writeFile(join(mine, 'report.docx'), 'keep me');
    const refused = await run(
      'simulate',
      '--data',
      EXAMPLE,
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-02',
      '--out',
      mine,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `Refusing to use ${mine} as the output folder: it is not empty and TrueUp did not create it (no .trueup-output file in it). Nothing was written; choose an empty or new folder for --out.\n`,
    );
    expect(await readdir(mine)).toEqual(['report.docx']);
    const data = join(scratch, 'data');
    await cp(EXAMPLE, data, { recursive: true });
    const before = await readdir(data, { recursive: true });
    // The current directory, faked: a test that fails must not risk the real one.
    const cwd = join(scratch, 'cwd');
    await mkdir(join(cwd, 'src'), { recursive: true });
    const fakeCwd = vi.spyOn(process, 'cwd').mockReturnValue(cwd);
    try {
      for (const [out, why] of [
        [data, 'it is the data folder'],
        [join(data, 'usage'), 'it is inside the data folder'],
        [cwd, 'it is the current directory'],
      ] as const) {
        const { code, err } = await run(
          'simulate',
          '--data',
          data,
          '--from',
          '2026-01-01',
          '--to',
          '2026-01-02',
          '--out',
          out,
        );
        expect(code).toBe(1);
        expect(err).toBe(
          `Refusing to use ${out} as the output folder: ${why}${why.endsWith('inside the data folder') ? ` ${data}` : ''}. Nothing was written; choose an empty or new folder for --out.\n`,
        );
      }
    } finally {
      fakeCwd.mockRestore();
    }
    expect(await readdir(data, { recursive: true })).toEqual(before);
    expect(await readdir(cwd)).toEqual(['src']);
  });

  it('says which sources validate found that only --pull pulls', async () => {
    const data = join(scratch, 'pull');
    await cp(EXAMPLE, data, { recursive: true });
    const sources = JSON.parse(await readFile(join(data, 'sources.json'), 'utf8')) as { sources: unknown[] };
    sources.sources.push({
      name: 'rmm',
      type: 'https',
      schedule: 'rate(1 day)',
      url: 'https://rmm.example/export.csv',
      credential: { env: 'TRUEUP_RMM' },
    });
    await writeFile(join(data, 'sources.json'), JSON.stringify(sources));
    const { code, out } = await run('validate', '--data', data);
    expect(code).toBe(0);
    expect(out).toContain(
      'simulate and demo pull "rmm" (rmm.example) only with --pull: they talk to hosts outside this machine.',
    );
    expect((await run('validate', '--data', EXAMPLE)).out).not.toContain('--pull');
  });

  it('describes every command, argument and option', () => {
    const missing: string[] = [];
    const visit = (command: Command, path: string): void => {
      if (!command.description()) missing.push(`${path}: command`);
      for (const a of command.registeredArguments) if (!a.description) missing.push(`${path} <${a.name()}>`);
      for (const o of command.options) if (!o.description) missing.push(`${path} ${o.flags}`);
      for (const sub of command.commands) visit(sub, `${path} ${sub.name()}`);
    };
    visit(buildProgram(), 'trueup');
    expect(missing).toEqual([]);
    const dispute = buildProgram()
      .commands.find((c) => c.name() === 'invoices')
      ?.commands.find((c) => c.name() === 'dispute');
    expect(dispute?.options.map((o) => o.long)).toContain('--reason');
  });

  it('says in one line how to install Java when DynamoDB Local cannot start', async () => {
    const child = spawn(process.execPath, [TRUEUP, 'local'], {
      cwd: scratch,
      env: { PATH: '/nonexistent', HOME: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(err).not.toMatch(NO_STACK);
    expect(err.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^No `java` executable found on PATH or in JAVA_HOME\. DynamoDB Local needs Java 17\+ \(install e\.g\. `apt-get install openjdk-17-jre-headless`/,
      ),
    ]);
  }, 60_000);
});

// ---------------------------------------------------------------------------- stopping

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) ? !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')) : true;
  } catch {
    return false;
  }
};
const children = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/**
 * `trueup local` under a wrapper shell, as `npx trueup local` runs it (npm → sh -c → node):
 * the tree is started, then `stop` is applied to it; every process and temp folder must go.
 */
async function localUnderWrapper(stop: (tree: { shell: number; node: number; java: number }) => void): Promise<void> {
  const cwd = await mkdtemp(join(scratch, 'local-'));
  // "; exit" keeps sh from exec'ing node, so node's parent is the wrapper, as under npx.
  const shell = spawn('/bin/sh', ['-c', `"${process.execPath}" "${TRUEUP}" local; exit $?`], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  shell.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  shell.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  try {
    expect(await until(() => out.includes('TrueUp is running locally'), 60_000)).toBe(true);
    // The console is served on 127.0.0.1 at the printed URL (docs/console.md).
    const consoleUrl = /Console: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] ?? '';
    expect(await (await fetch(consoleUrl)).text()).toContain('TrueUp console');
    const node = children(shell.pid ?? -1)[0] ?? -1;
    const java = children(node)[0] ?? -1;
    const args = readFileSync(`/proc/${java}/cmdline`, 'utf8').split('\0');
    const tempDir = args.find((a) => a.startsWith('-Djava.io.tmpdir='))?.slice('-Djava.io.tmpdir='.length) ?? '';
    expect(args).toContain('LoopbackDynamoDbLocal');
    expect(existsSync(join(cwd, '.trueup', 'local.json'))).toBe(true);
    stop({ shell: shell.pid ?? -1, node, java });
    // Assess: node and its JVM are gone, and they cleaned up after themselves.
    expect(await until(() => !alive(node) && !alive(java), 15_000)).toBe(true);
    expect(existsSync(tempDir)).toBe(false);
    expect(existsSync(join(cwd, '.trueup', 'local.json'))).toBe(false);
  } finally {
    for (const pid of [shell.pid ?? -1, ...children(shell.pid ?? -1)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

describe.runIf(process.platform === 'linux')('trueup CLI: stopping stops everything', () => {
  it('stops `trueup local` and its JVM when its wrapper (npx) is killed', async () => {
    await localUnderWrapper(({ shell }) => process.kill(shell, 'SIGKILL'));
  }, 120_000);

  it('stops `trueup local` cleanly on SIGTERM, as on Ctrl+C', async () => {
    await localUnderWrapper(({ node }) => process.kill(node, 'SIGTERM'));
  }, 120_000);
});
