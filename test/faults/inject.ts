/**
 * Fault injection on the AWS SDK v3 clients: one middleware per client, in the
 * `initialize` step (outside the SDK's own retry loop, so the use case sees the fault), counts
 * every logical call of the job and, for a chosen k, makes the k-th call fail:
 *
 * - `error`: the call is not made; it throws as a dropped connection would.
 * - `lost`:  the call is made and succeeds, and its response is lost (it throws).
 * - `crash`: the call is made and succeeds, then the job dies: this call and every later call
 *            of the same attempt throw, so none of the job's remaining code has an effect.
 *
 * Calls to a port outside AWS (the accounting system of the `books` job) are counted and
 * faulted the same way when the job routes them through `outside` (the fault is thrown as the
 * port's own transient error would be: an InjectedFault, never BooksRefused).
 *
 * It also remembers the receipt handles of the SQS messages an attempt received, so that the
 * harness can make them visible again before the retry (as SQS does once the visibility
 * timeout of a crashed worker has passed).
 */
import type { AwsClients } from '../../functions/adapters/aws/aws-deps.js';

export type FaultMode = 'error' | 'lost' | 'crash';
export const FAULT_MODES: readonly FaultMode[] = ['error', 'lost', 'crash'];

/** The AWS clients, and the outside ports a job routes through `outside`. */
export type CallService = keyof AwsClients | 'books';

export interface CallRecord {
  readonly n: number;
  readonly service: CallService;
  readonly command: string;
}

/** Thrown by an injected fault; never a name the application treats as a business outcome. */
export class InjectedFault extends Error {
  constructor(
    readonly mode: FaultMode,
    readonly call: CallRecord,
    after = false,
  ) {
    super(`injected ${mode} at call ${call.n} (${call.service} ${call.command}${after ? ', after it succeeded' : ''})`);
    this.name = 'InjectedFault';
  }
}

interface HandlerArgs {
  readonly input: object;
}
interface HandlerOutput {
  readonly output: unknown;
}
type Handler = (args: HandlerArgs) => Promise<HandlerOutput>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;
interface Stack {
  add(
    middleware: Middleware,
    options: { step: 'initialize'; name: string; priority?: 'high'; override?: boolean },
  ): void;
}

/** The injector attached to each forked installation's clients: a job routes its outside ports through it. */
export const injectorOf = new WeakMap<object, FaultInjector>();

export class FaultInjector {
  /** Calls counted while armed. */
  calls: CallRecord[] = [];
  /** The fault of the current attempt, if any; fires once. */
  private plan: { k: number; mode: FaultMode } | undefined;
  private dead: InjectedFault | undefined;
  private armed = false;
  /** Receipt handles received while armed, per queue URL. */
  readonly receipts = new Map<string, Set<string>>();
  fired: InjectedFault | undefined;

  /** `onClient` for provisionLocal. */
  readonly attach = (service: keyof AwsClients, client: AwsClients[keyof AwsClients]): void => {
    const stack = (client as unknown as { middlewareStack: Stack }).middlewareStack;
    stack.add((next, context) => async (args) => this.around(service, context.commandName ?? 'unknown', args, next), {
      step: 'initialize',
      name: 'trueupFaultInjection',
      priority: 'high',
      override: true,
    });
  };

  /** Starts counting (from 1) with an optional fault at call k. */
  arm(plan?: { k: number; mode: FaultMode }): void {
    this.calls = [];
    this.plan = plan;
    this.dead = undefined;
    this.fired = undefined;
    this.receipts.clear();
    this.armed = true;
  }

  disarm(): void {
    this.armed = false;
    this.plan = undefined;
    this.dead = undefined;
  }

  private async around(
    service: keyof AwsClients,
    command: string,
    args: HandlerArgs,
    next: Handler,
  ): Promise<HandlerOutput> {
    if (!this.armed) return next(args);
    const name = command.replace(/Command$/, '');
    return this.count(
      service,
      name,
      () => next(args),
      (result) => {
        if (name === 'ReceiveMessage') this.remember(args.input, result.output);
      },
    );
  }

  /** A call of an outside port (the fake accounting system), counted and faulted as an AWS call is. */
  async outside<T>(service: CallService, command: string, call: () => Promise<T>): Promise<T> {
    if (!this.armed) return call();
    return this.count(service, command, call);
  }

  /** `seen`: what must know a call's result even when its response is then lost (received messages). */
  private async count<T>(
    service: CallService,
    command: string,
    call: () => Promise<T>,
    seen?: (result: T) => void,
  ): Promise<T> {
    if (this.dead) throw this.dead;
    const record: CallRecord = { n: this.calls.length + 1, service, command };
    this.calls.push(record);
    const plan = this.plan;
    const faulty = plan !== undefined && plan.k === record.n;
    if (faulty && plan.mode === 'error') {
      this.fired = new InjectedFault('error', record);
      throw this.fired;
    }
    const result = await call();
    seen?.(result);
    if (!faulty) return result;
    this.fired = new InjectedFault(plan.mode, record, true);
    if (plan.mode === 'crash') this.dead = this.fired;
    throw this.fired;
  }

  private remember(input: object, output: unknown): void {
    const queueUrl = (input as { QueueUrl?: string }).QueueUrl ?? '';
    const messages = (output as { Messages?: { ReceiptHandle?: string }[] } | undefined)?.Messages ?? [];
    let set = this.receipts.get(queueUrl);
    if (!set) this.receipts.set(queueUrl, (set = new Set()));
    for (const m of messages) if (m.ReceiptHandle) set.add(m.ReceiptHandle);
  }
}
