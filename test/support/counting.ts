/**
 * Counting wrappers around the ports, for tests that assert how many round trips a use case
 * makes: every call is recorded with its first argument (the key, for the blob stores and the
 * outbox), then passed on to the real adapter.
 */
import type { Deps } from '../../functions/app/deps.js';
import type { BlobStore, Ledger, Mailer } from '../../functions/app/ports.js';

export interface Call {
  readonly method: string;
  readonly arg: unknown;
}

/** A proxy of `target` that records each method call in `calls`. */
function recording<T extends object>(target: T, calls: Call[]): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), arg: args[0] });
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

export interface Counted {
  readonly deps: Deps;
  readonly ledger: Call[];
  readonly artifacts: Call[];
  readonly usage: Call[];
  /** What the mailer was given to send. */
  readonly sent: { from: string; to: readonly string[]; raw: Buffer }[];
  /** The calls of `method` on a port, their first arguments. */
  args(port: 'ledger' | 'artifacts' | 'usage', method: string): unknown[];
  reset(): void;
}

/** `deps` with every call to the ledger, both buckets and the mailer recorded. */
export function counted(deps: Deps): Counted {
  const ledger: Call[] = [];
  const artifacts: Call[] = [];
  const usage: Call[] = [];
  const sent: Counted['sent'] = [];
  const mailer: Mailer = {
    sendRaw: (input) => {
      sent.push({ ...input, raw: Buffer.from(input.raw) });
      return deps.mailer.sendRaw(input);
    },
  };
  const result: Counted = {
    deps: {
      ...deps,
      mailer,
      ledger: recording<Ledger>(deps.ledger, ledger),
      artifacts: recording<BlobStore>(deps.artifacts, artifacts),
      usage: recording<BlobStore>(deps.usage, usage),
    },
    ledger,
    artifacts,
    usage,
    sent,
    args: (port, method) => result[port].filter((c) => c.method === method).map((c) => c.arg),
    reset: () => {
      ledger.length = 0;
      artifacts.length = 0;
      usage.length = 0;
      sent.length = 0;
    },
  };
  return result;
}
