/** The AWS payments wiring, with an injected secret reader in place of Secrets Manager. */
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../functions/adapters/aws/aws-deps.js';
import { signatureHeader } from '../../../functions/adapters/local/stripe/local-stripe.js';
import { awsPaymentsWiring, type ProviderFactory } from '../../../functions/adapters/payments/aws-payments.js';
import { withStripePayments } from '../../../functions/adapters/payments/aws-stripe.js';
import type { Deps } from '../../../functions/app/deps.js';
import type { PaymentProvider } from '../../../functions/app/ports.js';
import { Dec } from '../../../functions/domain/money.js';
import { FakePaymentProvider } from '../../fakes/fake-payment-provider.js';

const LINK_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:trueup-pay-link';
const PROVIDER_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:trueup-stripe';
const KEYS = { stripeSecretKey: 'sk_test_abc123', stripeWebhookSecret: 'whsec_abc123' };

function secrets(values: Record<string, unknown>) {
  const reads: string[] = [];
  const readSecret = async (arn: string): Promise<unknown> => {
    reads.push(arn);
    return values[arn];
  };
  return { reads, readSecret };
}

describe('awsPaymentsWiring', () => {
  it('is undefined when the stack has payments off (no link secret)', () => {
    expect(awsPaymentsWiring({})).toBeUndefined();
    expect(awsPaymentsWiring({ PAYMENTS_SECRET_ARN: PROVIDER_ARN })).toBeUndefined();
  });

  it('reads the link key from its secret, and refuses a malformed one without printing it', async () => {
    const { readSecret, reads } = secrets({ [LINK_ARN]: { linkKey: 'k'.repeat(32) } });
    const wiring = awsPaymentsWiring(
      { PAY_LINK_SECRET_ARN: LINK_ARN, PAYMENTS_ENDPOINT_URL: 'https://abc.lambda-url.us-east-1.on.aws/' },
      { readSecret },
    );
    expect(wiring?.endpointUrl).toBe('https://abc.lambda-url.us-east-1.on.aws/');
    expect(await wiring?.linkKey()).toBe('k'.repeat(32));
    expect(reads).toEqual([LINK_ARN]);
    const bad = awsPaymentsWiring({ PAY_LINK_SECRET_ARN: LINK_ARN }, secrets({ [LINK_ARN]: { linkKey: 'short' } }));
    await expect(bad!.linkKey()).rejects.toThrow(/must be JSON \{ "linkKey"/);
    await expect(bad!.linkKey()).rejects.not.toThrow(/short/);
  });

  it('gives a function that only builds links a provider that refuses, saying why', async () => {
    const linksOnly = awsPaymentsWiring({ PAY_LINK_SECRET_ARN: LINK_ARN }, secrets({}));
    await expect(linksOnly!.provider.parseWebhook('{}', 't=1,v1=x')).rejects.toThrow(
      /only builds Pay links.*PAYMENTS_SECRET_ARN is not set/,
    );
    const noFactory = awsPaymentsWiring(
      { PAY_LINK_SECRET_ARN: LINK_ARN, PAYMENTS_SECRET_ARN: PROVIDER_ARN },
      secrets({}),
    );
    await expect(
      noFactory!.provider.chargeSavedMethod({} as Parameters<PaymentProvider['chargeSavedMethod']>[0]),
    ).rejects.toThrow(/built without the payment provider/);
  });

  it('builds the provider from the secret once per key pair, and names a placeholder secret', async () => {
    const values: Record<string, unknown> = { [LINK_ARN]: { linkKey: 'k'.repeat(32) }, [PROVIDER_ARN]: KEYS };
    const built: { apiKey: string; webhookSecret: string }[] = [];
    const fake = new FakePaymentProvider();
    const createProvider: ProviderFactory = (keys) => {
      built.push(keys);
      return fake;
    };
    const wiring = awsPaymentsWiring(
      { PAY_LINK_SECRET_ARN: LINK_ARN, PAYMENTS_SECRET_ARN: PROVIDER_ARN },
      { readSecret: async (arn) => values[arn], createProvider },
    )!;
    const charge = {
      invoiceNumber: 'INV-1',
      clientId: 'acme',
      customerId: 'cus_1',
      amount: new Dec('10'),
      currency: 'USD',
      description: 'Invoice INV-1',
      idempotencyKey: 'autopay-INV-1',
    };
    await wiring.provider.chargeSavedMethod(charge);
    await wiring.provider.chargeSavedMethod({ ...charge, idempotencyKey: 'autopay-INV-2' });
    expect(built).toEqual([{ apiKey: 'sk_test_abc123', webhookSecret: 'whsec_abc123' }]);
    expect(fake.charges.size).toBe(2);
    values[PROVIDER_ARN] = { ...KEYS, stripeSecretKey: 'sk_live_rotated' };
    await wiring.provider.chargeSavedMethod({ ...charge, idempotencyKey: 'autopay-INV-3' });
    expect(built.map((k) => k.apiKey)).toEqual(['sk_test_abc123', 'sk_live_rotated']);
    values[PROVIDER_ARN] = { stripeSecretKey: 'REPLACE_ME', stripeWebhookSecret: 'REPLACE_ME' };
    await expect(wiring.provider.chargeSavedMethod(charge)).rejects.toThrow(/placeholder/);
  });
});

describe('withStripePayments', () => {
  it("adds a Stripe provider that verifies deliveries with the secret's webhook secret", async () => {
    const deps = { log: { info: () => undefined, warn: () => undefined } } as unknown as Deps;
    const { readSecret } = secrets({ [LINK_ARN]: { linkKey: 'k'.repeat(32) }, [PROVIDER_ARN]: KEYS });
    const env = { PAY_LINK_SECRET_ARN: LINK_ARN, PAYMENTS_SECRET_ARN: PROVIDER_ARN };
    const wired = withStripePayments(deps, env, readSecret);
    const payload = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'customer.created',
      created: 1,
      data: { object: {} },
    });
    const now = Math.floor(Date.now() / 1000);
    await expect(
      wired.payments!.provider.parseWebhook(payload, signatureHeader(payload, 'whsec_abc123', now)),
    ).resolves.toMatchObject({
      kind: 'unsupported',
    });
    await expect(
      wired.payments!.provider.parseWebhook(payload, signatureHeader(payload, 'whsec_other', now)),
    ).rejects.toMatchObject({ name: 'WebhookRejected' });
    expect(withStripePayments(deps, {}, readSecret)).toBe(deps);
  });
});

describe('EnvSchema', () => {
  const base = {
    TABLE_NAME: 't',
    USAGE_BUCKET: 'u',
    ARTIFACTS_BUCKET: 'a',
    WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/work',
    DISCREPANCY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/disc',
  };
  it('takes the three optional payments variables, and needs none of them', () => {
    expect(loadEnv(base).PAY_LINK_SECRET_ARN).toBeUndefined();
    const env = loadEnv({
      ...base,
      PAYMENTS_SECRET_ARN: PROVIDER_ARN,
      PAY_LINK_SECRET_ARN: LINK_ARN,
      PAYMENTS_ENDPOINT_URL: 'https://abc.lambda-url.us-east-1.on.aws/',
    });
    expect(env).toMatchObject({ PAYMENTS_SECRET_ARN: PROVIDER_ARN, PAY_LINK_SECRET_ARN: LINK_ARN });
    expect(() => loadEnv({ ...base, PAYMENTS_ENDPOINT_URL: 'not a url' })).toThrow(/PAYMENTS_ENDPOINT_URL/);
  });
});
