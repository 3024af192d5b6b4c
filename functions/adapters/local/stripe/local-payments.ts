/**
 * Getting paid on one machine: the local Stripe stand-in and the real Stripe adapter pointed at
 * it, as a `PaymentsWiring` for the local runtime. The payments endpoint's URL is known only once
 * its server listens (and that server needs these deps), so it is set afterwards with
 * `connectEndpoint`, which also points the stand-in's webhooks at it.
 */
import type { PaymentsWiring } from '../../../app/deps.js';
import { createStripeProvider } from '../../payments/stripe-provider.js';
import { startLocalStripe, type LocalStripe, type LocalStripeOptions } from './local-stripe.js';

/** Fixed local secrets: the stand-in is test mode, and fixed keys keep simulate's Pay links the same run to run. */
export const LOCAL_WEBHOOK_SECRET = 'whsec_trueup_local_stand_in';
export const LOCAL_LINK_KEY = 'trueup-local-pay-link-key-not-secret';

export interface LocalPayments {
  readonly stripe: LocalStripe;
  /** `endpointUrl` is undefined until `connectEndpoint`. */
  readonly wiring: PaymentsWiring;
  /** The payments endpoint's base URL: Pay links use it, webhooks go to `<url>/webhooks/stripe`. */
  connectEndpoint(url: string): void;
  stop(): Promise<void>;
}

export async function startLocalPayments(
  options: Pick<LocalStripeOptions, 'delivery' | 'now'> & { readonly linkKey?: string },
): Promise<LocalPayments> {
  const stripe = await startLocalStripe({ ...options, webhookSecret: LOCAL_WEBHOOK_SECRET });
  const provider = createStripeProvider({
    apiKey: 'sk_test_trueup_local',
    webhookSecret: LOCAL_WEBHOOK_SECRET,
    apiBase: stripe.apiBase,
  });
  const linkKey = options.linkKey ?? LOCAL_LINK_KEY;
  const wiring: { -readonly [K in keyof PaymentsWiring]: PaymentsWiring[K] } = {
    provider,
    endpointUrl: undefined,
    linkKey: async () => linkKey,
  };
  return {
    stripe,
    wiring,
    connectEndpoint: (url) => {
      wiring.endpointUrl = url.replace(/\/+$/, '');
      stripe.setWebhookUrl(`${wiring.endpointUrl}/webhooks/stripe`);
    },
    stop: () => stripe.stop(),
  };
}

/** The wiring of a stand-in already running (another process's `trueup local`): its API and endpoint. */
export function localPaymentsWiring(
  stripeApiBase: string,
  endpointUrl: string,
  linkKey = LOCAL_LINK_KEY,
): PaymentsWiring {
  return {
    provider: createStripeProvider({
      apiKey: 'sk_test_trueup_local',
      webhookSecret: LOCAL_WEBHOOK_SECRET,
      apiBase: stripeApiBase,
    }),
    endpointUrl: endpointUrl.replace(/\/+$/, ''),
    linkKey: async () => linkKey,
  };
}
