/**
 * `npm run test:faults`: the whole fault-injection harness on the embedded stand-in.
 *
 *   tsx test/faults/run-faults.ts [--jobs billing,dunning] [--modes error,lost,crash] [--stride 1]
 *     [--workers 2] [--json out.json]
 *
 * Runs every k of every job in every mode (unless told otherwise), then the concurrency
 * cases, prints each divergence, and ends with `faults scenarios=N divergences=D` (the SES
 * window, counted as `windows=W`, is not a divergence); exits 1 when D > 0.
 *
 * `--workers W` (default: the number of CPUs, at most 4) splits the scenarios over W child
 * processes, each with its own embedded stand-in and timeline (`--shard i/W`: every W-th k of
 * each job); the concurrency cases run in shard 0. The parent adds up the children's lines.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { startEmbeddedAws } from '../../functions/adapters/local/embedded-aws.js';
import { runConcurrencyCases } from './concurrency.js';
import { harnessContext, runJobScenarios, sampledKs, type JobReport } from './harness.js';
import { FAULT_MODES, type FaultMode } from './inject.js';
import { JOB_NAMES, buildTimeline, type JobName } from './jobs.js';
import { measureText, secondsSince } from '../../functions/text/measure.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'examples/acme-it' },
    jobs: { type: 'string', default: JOB_NAMES.join(',') },
    modes: { type: 'string', default: FAULT_MODES.join(',') },
    stride: { type: 'string', default: '1' },
    json: { type: 'string' },
    'no-concurrency': { type: 'boolean', default: false },
    workers: { type: 'string', default: String(Math.min(4, availableParallelism())) },
    shard: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    [
      'usage: npm run test:faults -- [--data DIR] [--jobs LIST] [--modes LIST] [--stride N] [--workers W] [--no-concurrency] [--json FILE]',
      `  --jobs   comma-separated, of ${JOB_NAMES.join(', ')} (default: all)`,
      `  --modes  comma-separated, of ${FAULT_MODES.join(', ')} (default: all)`,
      '  --stride N  fault every call (1, the default), or only call 1, every N-th call and the last',
    ].join('\n'),
  );
  process.exit(0);
}
const jobs = String(values.jobs).split(',').filter(Boolean) as JobName[];
const modes = String(values.modes).split(',').filter(Boolean) as FaultMode[];
for (const j of jobs) if (!JOB_NAMES.includes(j)) throw new Error(`Unknown job ${j}; jobs: ${JOB_NAMES.join(', ')}`);
for (const m of modes)
  if (!FAULT_MODES.includes(m)) throw new Error(`Unknown mode ${m}; modes: ${FAULT_MODES.join(', ')}`);
const stride = Number(values.stride);
const workers = Math.max(1, Number(values.workers));
const [shard, shards] = values.shard ? (values.shard.split('/').map(Number) as [number, number]) : [0, 1];

const started = performance.now();
if (!values.shard && workers > 1) {
  await runSharded(workers);
  process.exit(process.exitCode ?? 0);
}
const aws = await startEmbeddedAws();
let scenarios = 0;
let divergences = 0;
let windows = 0;
const reports: JobReport[] = [];
try {
  const timeline = await buildTimeline(aws, String(values.data), jobs);
  console.log(`setup ${measureText(timeline.setupSeconds, 1)} s`);
  const ctx = harnessContext(aws);
  for (const job of timeline.jobs) {
    const t0 = performance.now();
    let done = 0;
    const report = await runJobScenarios(ctx, job, {
      modes,
      ks: (n) =>
        (stride > 1 ? sampledKs(stride)(n) : Array.from({ length: n }, (_, i) => i + 1)).filter(
          (_, i) => i % shards === shard,
        ),
      onScenario: (r) => {
        done += 1;
        if (r.outcome === 'divergence')
          console.log(`DIVERGENCE ${r.job} k=${r.k} ${r.mode} (${r.call})\n  ${r.differences.join('\n  ')}`);
        if (done % 100 === 0) console.log(`  ${job.name}: ${done} scenarios, ${secondsSince(t0, 0)} s`);
      },
    });
    reports.push(report);
    const d = report.scenarios.filter((s) => s.outcome === 'divergence').length;
    const w = report.scenarios.filter((s) => s.outcome === 'window').length;
    scenarios += report.scenarios.length;
    divergences += d;
    windows += w;
    console.log(
      `job ${job.name}: N=${report.n} scenarios=${report.scenarios.length} divergences=${d} windows=${w} clean=${Math.round(report.cleanMs)} ms total=${secondsSince(t0)} s`,
    );
  }
  if (
    shard === 0 &&
    !values['no-concurrency'] &&
    jobs.includes('billing') &&
    jobs.includes('dunning') &&
    jobs.includes('payments')
  ) {
    for (const c of await runConcurrencyCases(ctx, timeline)) {
      scenarios += 1;
      if (c.differences.length > 0) {
        divergences += 1;
        console.log(`DIVERGENCE concurrency ${c.name}\n  ${c.differences.join('\n  ')}`);
      } else console.log(`concurrency ${c.name}: exactly one set of effects`);
    }
  }
  if (values.json) await writeFile(String(values.json), JSON.stringify(reports, null, 1) + '\n');
} finally {
  await aws.stop();
}
console.log(`time ${secondsSince(started)} s, windows=${windows}`);
console.log(`faults scenarios=${scenarios} divergences=${divergences}`);
process.exitCode = divergences > 0 ? 1 : 0;

/** Runs W copies of this script, one shard each, forwards their lines, and adds up their figures. */
async function runSharded(count: number): Promise<void> {
  const pass = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--workers') && all[i - 1] !== '--workers');
  let total = 0;
  let diverged = 0;
  let windowed = 0;
  const finished = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<{ code: number; reported: boolean }>((done) => {
          const child = spawn(
            process.execPath,
            [...process.execArgv, process.argv[1] ?? '', ...pass, '--shard', `${i}/${count}`],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let rest = '';
          let reported = false;
          child.stdout.setEncoding('utf8');
          child.stdout.on('data', (chunk: string) => {
            const lines = (rest + chunk).split('\n');
            rest = lines.pop() ?? '';
            for (const line of lines) {
              const figures = /^faults scenarios=(\d+) divergences=(\d+)$/.exec(line);
              const windows = /^time .* windows=(\d+)$/.exec(line);
              if (figures) {
                reported = true;
                total += Number(figures[1]);
                diverged += Number(figures[2]);
              } else {
                if (windows) windowed += Number(windows[1]);
                console.log(`[${i + 1}/${count}] ${line}`);
              }
            }
          });
          child.on('close', (code) => done({ code: code ?? 1, reported }));
        }),
    ),
  );
  // A worker that died before its figures counts as a divergence: its scenarios were not checked.
  const failed = finished.filter((f) => !f.reported);
  failed.forEach((f) => console.log(`a worker exited with ${f.code} before reporting its figures`));
  diverged += failed.length;
  console.log(`time ${secondsSince(started)} s, windows=${windowed}, workers=${count}`);
  console.log(`faults scenarios=${total} divergences=${diverged}`);
  process.exitCode = diverged > 0 ? 1 : 0;
}
