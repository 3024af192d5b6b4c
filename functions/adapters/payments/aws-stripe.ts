/**
 * The payments wiring with Stripe, for the Lambda functions that take money (the payments
 * endpoint and the auto-pay job). Kept apart from aws-payments.ts so that only their bundles
 * carry the Stripe SDK.
 */
import type { Deps } from '../../app/deps.js';
import { awsPaymentsWiring, type PaymentsEnv, type SecretJsonReader } from './aws-payments.js';
import { createStripeProvider } from './stripe-provider.js';

/** `deps` with a Stripe provider read from PAYMENTS_SECRET_ARN (unchanged when payments are off). */
export function withStripePayments<D extends Deps>(deps: D, env: PaymentsEnv, readSecret?: SecretJsonReader): D {
  const payments = awsPaymentsWiring(env, {
    createProvider: createStripeProvider,
    ...(readSecret !== undefined ? { readSecret } : {}),
  });
  return payments === undefined ? deps : { ...deps, payments };
}
