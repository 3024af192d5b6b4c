/**
 * The portal's wiring on AWS: only with the link secret in the environment (CDK `web: true`),
 * the key read from that secret, the base URL from PORTAL_BASE_URL; without it the Deps are
 * what they were.
 */
import { describe, expect, it } from 'vitest';
import { createAwsClients, createAwsDeps, loadEnv } from '../../../functions/adapters/aws/aws-deps.js';
import { awsPortalWiring } from '../../../functions/adapters/aws/portal-wiring.js';
import { silentLogger } from '../../../functions/app/deps.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:TrueUpPortalLinkKey-AbCdEf';
const base = {
  TABLE_NAME: 't',
  USAGE_BUCKET: 'u',
  ARTIFACTS_BUCKET: 'a',
  WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/work',
  DISCREPANCY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/disc',
};

describe('awsPortalWiring', () => {
  it('is absent without the link secret', () => {
    expect(awsPortalWiring({ PORTAL_BASE_URL: 'https://d1.cloudfront.net' })).toBeUndefined();
  });

  it('reads the link key from the secret named in the environment, each time it is asked (the reader caches)', async () => {
    const asked: string[] = [];
    const wiring = awsPortalWiring(
      { PORTAL_LINK_SECRET_ARN: ARN, PORTAL_BASE_URL: 'https://d1.cloudfront.net' },
      async (id) => {
        asked.push(id);
        return { linkKey: 'k'.repeat(48) };
      },
    )!;
    expect(wiring.baseUrl).toBe('https://d1.cloudfront.net');
    expect(asked).toEqual([]); // nothing is read before a link is built
    await expect(wiring.linkKey()).resolves.toBe('k'.repeat(48));
    expect(asked).toEqual([ARN]);
  });

  it('says which secret is wrong when it holds no usable key', async () => {
    const wiring = awsPortalWiring({ PORTAL_LINK_SECRET_ARN: ARN }, async () => ({ linkKey: 'short' }))!;
    expect(wiring.baseUrl).toBeUndefined();
    await expect(wiring.linkKey()).rejects.toThrow(`The portal link secret ${ARN} must be JSON { "linkKey"`);
  });
});

describe('createAwsDeps', () => {
  const clients = createAwsClients({
    dynamodb: { region: 'us-east-1' },
    s3: { region: 'us-east-1' },
    sqs: { region: 'us-east-1' },
    ses: { region: 'us-east-1' },
  });

  it('wires Deps.portal only when the environment has the portal link secret', () => {
    const without = createAwsDeps(loadEnv(base), clients, silentLogger);
    expect('portal' in without).toBe(false);
    const withPortal = createAwsDeps(
      loadEnv({ ...base, PORTAL_LINK_SECRET_ARN: ARN, PORTAL_BASE_URL: 'https://d1.cloudfront.net' }),
      clients,
      silentLogger,
    );
    expect(withPortal.portal?.baseUrl).toBe('https://d1.cloudfront.net');
  });

  it('refuses a portal base URL that is not a URL', () => {
    expect(() => loadEnv({ ...base, PORTAL_LINK_SECRET_ARN: ARN, PORTAL_BASE_URL: 'cloudfront' })).toThrow(
      /PORTAL_BASE_URL/,
    );
  });
});
