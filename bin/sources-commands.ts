/**
 * `trueup sources list | test NAME | pull NAME | import`: the collector's pull sources
 * (docs/sources.md). `--data DIR` reads DIR/sources.json; without it the sources.json imported
 * into the running stack is used. Credentials are `{"env"}` / `{"file"}` references here;
 * `{"secret"}` references resolve only in the collector Lambda.
 */
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { ingestUsageFile } from '../functions/app/ingest-usage-file.js';
import { createCollectorDeps } from '../functions/collect/aws-collector.js';
import { pullSource, testSource, type CollectorDeps, type PullResult } from '../functions/collect/collect.js';
import type { CollectorState } from '../functions/collect/collector-state.js';
import { connectCollector, type CollectorTarget } from './collector-connection.js';
import { credentialResolver, describeRef } from '../functions/collect/credentials.js';
import { MemoryCollectorState } from '../functions/collect/memory-collector-state.js';
import {
  EMPTY_SOURCES,
  findSource,
  parseSourcesConfig,
  readSourcesFile,
  SourcesConfigError,
  SOURCES_FILE,
  type SourcesConfig,
} from '../functions/collect/sources-config.js';
import { dateInZone } from '../functions/domain/dates.js';
import { ConnectionError } from './connection.js';
import { date, UserError } from './ops-commands.js';

interface Options {
  data?: string;
  outputs?: string;
}

const outputs = [
  '--outputs <file>',
  'act on a deployed stack (cdk deploy --outputs-file) instead of the local stand-in',
] as const;
const data = [
  '--data <dir>',
  `data folder whose ${SOURCES_FILE} to use (default: the one imported with trueup sources import)`,
] as const;

const cliLog = { info: () => undefined, warn: () => undefined };

async function configFrom(opts: Options, state: CollectorState | undefined): Promise<SourcesConfig> {
  try {
    if (opts.data) return await readSourcesFile(resolve(opts.data));
    const stored = await state?.loadConfig();
    if (stored === undefined) {
      if (!state)
        throw new UserError(
          `Pass --data DIR (the folder with ${SOURCES_FILE}), or start TrueUp with \`trueup local\` and import it with \`trueup sources import --data DIR\`.`,
        );
      return EMPTY_SOURCES;
    }
    const parsed = parseSourcesConfig(stored);
    if (!parsed.ok) throw new SourcesConfigError(parsed.problems);
    return parsed.value;
  } catch (error) {
    if (error instanceof SourcesConfigError) throw new UserError(error.message);
    throw error;
  }
}

async function withTarget<T>(
  opts: Options,
  act: (t: CollectorTarget, deps: ReturnType<typeof createCollectorDeps>) => Promise<T>,
): Promise<T> {
  const target = await connectCollector(opts);
  try {
    const deps = createCollectorDeps({
      dynamodb: target.dynamodb,
      s3: target.s3,
      table: target.table,
      usageBucket: target.usageBucket,
      credentials: credentialResolver({ baseDir: opts.data ? resolve(opts.data) : undefined }),
      log: cliLog,
      baseDir: opts.data ? resolve(opts.data) : undefined,
    });
    return await act(target, deps);
  } finally {
    target.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function describeResult(r: PullResult): string {
  const head = r.ok
    ? `${r.source}: ${r.files.length} new file(s), ${r.skipped} already pulled${r.attempts > 1 ? ` (after ${r.attempts} attempts)` : ''}.`
    : `${r.source}: FAILED after ${r.attempts} attempt(s): ${r.failure.error}${r.files.length ? ` (${r.files.length} file(s) landed before the failure)` : ''}`;
  return [head, ...r.files.map((f) => `  ${f.inboxKey}  ← ${f.remoteName} (${f.bytes} bytes)`)].join('\n');
}

export function addSourcesCommands(program: Command): void {
  const sources = program
    .command('sources')
    .description(`pull sources of usage files (${SOURCES_FILE}; see docs/sources.md)`);

  sources
    .command('list')
    .description('list the configured sources and how their last pull went')
    .option(...data)
    .option(...outputs)
    .action(async (opts: Options) => {
      let target: CollectorTarget | undefined;
      try {
        target = await connectCollector(opts);
      } catch (error) {
        if (!(error instanceof ConnectionError) || opts.outputs) throw error;
      }
      try {
        const state = target
          ? createCollectorDeps({
              dynamodb: target.dynamodb,
              s3: target.s3,
              table: target.table,
              usageBucket: target.usageBucket,
              credentials: credentialResolver(),
              log: cliLog,
            }).state
          : undefined;
        const config = await configFrom(opts, state);
        if (config.sources.length === 0) console.log(`No pull sources configured (${SOURCES_FILE}).`);
        else {
          const rows = [['name', 'type', 'schedule', 'credential', 'last success', 'last failure']];
          for (const s of config.sources) {
            const status = state ? await state.getStatus(s.name) : undefined;
            rows.push([
              s.name + (s.enabled === false ? ' (disabled)' : ''),
              s.type,
              s.schedule,
              s.credential ? describeRef(s.credential) : '-',
              status?.lastSuccessAt ?? (state ? 'never' : '?'),
              status?.lastFailure && status.consecutiveFailures > 0
                ? `${status.lastFailure.at}: ${status.lastFailure.error}`
                : '',
            ]);
          }
          console.log(table(rows));
        }
        if (config.expectedFeeds.length > 0) {
          console.log(
            `\nExpected feeds: ${config.expectedFeeds.map((f) => `${f.vendor}${f.dayOfMonth ? ` (by day ${f.dayOfMonth})` : ''}`).join(', ')}`,
          );
        }
      } finally {
        target?.close();
      }
    });

  sources
    .command('test')
    .description('check one source: connect, authenticate, list; lands nothing')
    .argument('<name>', 'the source name in sources.json')
    .option(...data)
    .action(async (name: string, opts: Options) => {
      let target: CollectorTarget | undefined;
      if (!opts.data) target = await connectCollector(opts);
      try {
        const state = target
          ? createCollectorDeps({
              dynamodb: target.dynamodb,
              s3: target.s3,
              table: target.table,
              usageBucket: target.usageBucket,
              credentials: credentialResolver(),
              log: cliLog,
            }).state
          : new MemoryCollectorState();
        const source = findOrFail(await configFrom(opts, state), name);
        const deps: CollectorDeps = {
          state,
          inbox: { put: async () => undefined },
          log: cliLog,
          credentials: credentialResolver({ baseDir: opts.data ? resolve(opts.data) : undefined }),
          baseDir: opts.data ? resolve(opts.data) : undefined,
        };
        try {
          console.log(`${name} (${source.type}): OK — ${await testSource(deps, source)}`);
        } catch (error) {
          throw new UserError(`${name} (${source.type}): ${(error as Error).message}`);
        }
      } finally {
        target?.close();
      }
    });

  sources
    .command('pull')
    .description('pull one source now into the inbox (ingested at once on the local stand-in)')
    .argument('<name>', 'the source name in sources.json')
    .option(...data)
    .option('--date <date>', 'ingest date (default today)', date)
    .option('--attempts <n>', 'attempts before giving up (default 3)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 10)
        throw new InvalidArgumentError('must be a whole number from 1 to 10');
      return n;
    })
    .option(...outputs)
    .action((name: string, opts: Options & { date?: string; attempts?: number }) =>
      withTarget(opts, async (target, collector) => {
        const source = findOrFail(await configFrom(opts, collector.state), name);
        const { connection } = target;
        let today = opts.date;
        if (!today) {
          const reference = await connection.deps.ledger.loadReferenceData();
          today = dateInZone(new Date(), reference?.settings.timezone ?? 'UTC');
        }
        const ingestDay = today;
        const deps: CollectorDeps = {
          ...collector,
          ingest:
            connection.kind === 'local'
              ? async (key) => {
                  await ingestUsageFile(connection.deps, { key, today: ingestDay });
                }
              : undefined,
        };
        const result = await pullSource(deps, source, { attempts: opts.attempts ?? 3 });
        console.log(describeResult(result));
        if (connection.kind === 'aws' && result.files.length > 0)
          console.log('The ingest function picks the files up from the S3 event.');
        if (!result.ok) throw new UserError(`${name} failed; nothing more was pulled.`);
      }),
    );

  sources
    .command('import')
    .description(`store a data folder's ${SOURCES_FILE} for the collector (the Lambda reads it from the table)`)
    .requiredOption('--data <dir>', 'data folder')
    .option(...outputs)
    .action((opts: Options & { data: string }) =>
      withTarget(opts, async (_target, collector) => {
        const config = await configFrom(opts, undefined);
        await collector.state.saveConfig({ sources: config.sources, expectedFeeds: config.expectedFeeds });
        console.log(`Imported ${config.sources.length} source(s) and ${config.expectedFeeds.length} expected feed(s).`);
      }),
    );
}

function findOrFail(config: SourcesConfig, name: string) {
  try {
    return findSource(config, name);
  } catch (error) {
    if (error instanceof SourcesConfigError) throw new UserError(error.problems.join('\n'));
    throw error;
  }
}
