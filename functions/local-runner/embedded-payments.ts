/**
 * Getting paid on one machine (docs/payments.md, "Locally"): the local Stripe stand-in driven by
 * the real Stripe adapter, and the payments endpoint's local server (the Function URL's
 * stand-in), wired into one installation's deps.
 *
 * Webhooks are always held by the stand-in until flushed, so that who applies a payment, and
 * when, is decided by the caller: `simulate` flushes at one point of each simulated day (its
 * outputs stay the same run to run); `live()` (trueup local, the demo's --serve) flushes every
 * quarter second and then runs the queue workers, so a click on Pay shows up as a paid invoice
 * and a receipt in the inbox.
 */
import { startPaymentsEndpoint, type PaymentsEndpointServer } from '../adapters/local/payments-endpoint-server.js';
import { startLocalPayments } from '../adapters/local/stripe/local-payments.js';
import type { LocalStripe } from '../adapters/local/stripe/local-stripe.js';
import type { Deps } from '../app/deps.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../app/messages.js';
import { storeDiscrepancy } from '../app/store-discrepancy.js';
import { handleWorkMessage } from '../app/work-messages.js';
import type { LocalInstallation } from './local-runtime.js';

export interface EmbeddedPaymentsOptions {
  /** The provider's clock (epoch ms) for the objects and events it creates; default the real time. */
  readonly now?: () => number;
}

export interface EmbeddedPayments {
  /** The installation's deps with `payments` wired to the stand-in. */
  readonly deps: Deps;
  readonly stripe: LocalStripe;
  /** The payments endpoint's base URL (Pay links point here). */
  readonly endpointUrl: string;
  /** Delivers the held webhooks, each handled before the next; returns how many were accepted. */
  flush(): Promise<number>;
  /** From now on, deliver webhooks as they come and run the queue workers after them. */
  live(): void;
  stop(): Promise<void>;
}

const LIVE_INTERVAL_MS = 250;

export async function startEmbeddedPayments(
  installation: LocalInstallation,
  options: EmbeddedPaymentsOptions = {},
): Promise<EmbeddedPayments> {
  const local = await startLocalPayments({ delivery: 'queued', ...(options.now ? { now: options.now } : {}) });
  const deps: Deps = { ...installation.deps, payments: local.wiring };
  let endpoint: PaymentsEndpointServer;
  try {
    endpoint = await startPaymentsEndpoint(deps);
  } catch (error) {
    await local.stop();
    throw error;
  }
  local.connectEndpoint(endpoint.url);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    if ((await local.stripe.flushWebhooks()) === 0) return;
    await installation.drain(installation.queues.work, WorkMessageSchema, (m) => handleWorkMessage(deps, m));
    await installation.drain(installation.queues.discrepancies, DiscrepancyMessageSchema, async (m) => {
      await storeDiscrepancy(deps, m);
    });
  };
  return {
    deps,
    stripe: local.stripe,
    endpointUrl: endpoint.url,
    flush: () => local.stripe.flushWebhooks(),
    live() {
      if (timer) return;
      timer = setInterval(() => {
        // One tick at a time; a failed one is logged and the next tries again.
        running = running
          .then(tick)
          .catch((error: unknown) => deps.log.warn('local payments tick failed', { error: String(error) }));
      }, LIVE_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
      await endpoint.stop();
      await local.stop();
    },
  };
}
