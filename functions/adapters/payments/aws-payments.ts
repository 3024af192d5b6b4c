/**
 * Getting paid on AWS: the payment provider and the Pay-link key, read from Secrets Manager with
 * Powertools (cached five minutes, so a rotated key is picked up without a deploy). Only the
 * payments endpoint and the auto-pay job get the provider secret; the functions that only build
 * Pay links (invoice worker, dunning, statements) get the link key alone, and a provider that
 * says so if anything asks it for money.
 *
 * This module does not import the Stripe SDK (a quarter megabyte in every bundle that has it):
 * createAwsDeps wires links only, and the two handlers that take money add the provider with
 * `withStripePayments` (aws-stripe.ts).
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import type { PaymentsWiring } from '../../app/deps.js';
import type { PaymentProvider } from '../../app/ports.js';

/** Reads a secret's JSON value by ARN. */
export type SecretJsonReader = (secretId: string) => Promise<unknown>;

export const readSecretJson: SecretJsonReader = (secretId) => getSecret(secretId, { transform: 'json', maxAge: 300 });

export interface PaymentsEnv {
  readonly PAYMENTS_SECRET_ARN?: string | undefined;
  readonly PAY_LINK_SECRET_ARN?: string | undefined;
  readonly PAYMENTS_ENDPOINT_URL?: string | undefined;
}

const ProviderSecret = z.object({
  stripeSecretKey: z.string().regex(/^(sk|rk)_(test|live)_\S+$/),
  stripeWebhookSecret: z.string().regex(/^whsec_\S+$/),
});
const LinkSecret = z.object({ linkKey: z.string().min(16) });

/** Builds the provider from the keys in the provider secret (createStripeProvider). */
export type ProviderFactory = (keys: { apiKey: string; webhookSecret: string }) => PaymentProvider;

export interface PaymentsWiringOptions {
  readonly readSecret?: SecretJsonReader;
  /** Given by the functions that take money; without it the provider only refuses. */
  readonly createProvider?: ProviderFactory;
}

/** The payments wiring of a Lambda function; undefined when the stack has payments off (no link secret). */
export function awsPaymentsWiring(env: PaymentsEnv, options: PaymentsWiringOptions = {}): PaymentsWiring | undefined {
  const linkSecretArn = env.PAY_LINK_SECRET_ARN;
  if (!linkSecretArn) return undefined;
  const readSecret = options.readSecret ?? readSecretJson;
  const providerSecretArn = env.PAYMENTS_SECRET_ARN;
  return {
    provider:
      providerSecretArn && options.createProvider
        ? secretProvider(providerSecretArn, readSecret, options.createProvider)
        : linkOnlyProvider(
            providerSecretArn ? 'it was built without the payment provider' : 'PAYMENTS_SECRET_ARN is not set',
          ),
    endpointUrl: env.PAYMENTS_ENDPOINT_URL || undefined,
    linkKey: async () => {
      const parsed = LinkSecret.safeParse(await readSecret(linkSecretArn));
      if (!parsed.success)
        throw new Error(`The Pay-link secret ${linkSecretArn} must be JSON { "linkKey": "<16+ characters>" }`);
      return parsed.data.linkKey;
    },
  };
}

/** The Stripe provider of the keys in the secret now (rebuilt when they change). */
function secretProvider(secretArn: string, readSecret: SecretJsonReader, create: ProviderFactory): PaymentProvider {
  let current: { keys: string; provider: PaymentProvider } | undefined;
  const provider = async (): Promise<PaymentProvider> => {
    const parsed = ProviderSecret.safeParse(await readSecret(secretArn));
    if (!parsed.success)
      throw new Error(
        `The payments secret ${secretArn} must be JSON { "stripeSecretKey": "sk_…", "stripeWebhookSecret": "whsec_…" } ` +
          '(still the placeholder? put your Stripe keys in it: docs/deploy.md, "Connect Stripe")',
      );
    const { stripeSecretKey, stripeWebhookSecret } = parsed.data;
    const keys = `${stripeSecretKey}\n${stripeWebhookSecret}`;
    if (current?.keys !== keys)
      current = { keys, provider: create({ apiKey: stripeSecretKey, webhookSecret: stripeWebhookSecret }) };
    return current.provider;
  };
  return {
    createCheckout: async (request) => (await provider()).createCheckout(request),
    chargeSavedMethod: async (request) => (await provider()).chargeSavedMethod(request),
    parseWebhook: async (payload, signature) => (await provider()).parseWebhook(payload, signature),
  };
}

/** The provider of a function that only builds Pay links: it has no keys, and says so. */
function linkOnlyProvider(why: string): PaymentProvider {
  const refuse = async (): Promise<never> => {
    throw new Error(`This function only builds Pay links: it has no payment provider (${why})`);
  };
  return { createCheckout: refuse, chargeSavedMethod: refuse, parseWebhook: refuse };
}
