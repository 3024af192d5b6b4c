/** The collector handler's own logic: which secrets it asks the extension for, and its event. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { GetSecret } from '../../functions/collect/credentials.js';

type Handler = typeof import('../../functions/handlers/collector.js');
let collector: Handler;
beforeAll(async () => {
  vi.stubEnv('TABLE_NAME', 'trueup-test');
  vi.stubEnv('USAGE_BUCKET', 'usage');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  collector = await import('../../functions/handlers/collector.js');
});

describe('collector secrets', () => {
  it('names a secret from its name or its ARN', () => {
    expect(collector.secretName('trueup/sources/pax8')).toBe('trueup/sources/pax8');
    expect(
      collector.secretName('arn:aws:secretsmanager:us-east-1:123456789012:secret:trueup/sources/pax8-AbCdEf'),
    ).toBe('trueup/sources/pax8-AbCdEf');
  });

  it('asks the extension only for secrets under the prefix its role may read', async () => {
    const asked: string[] = [];
    const extension: GetSecret = async (id) => {
      asked.push(id);
      return 'value';
    };
    const get = collector.sourceSecrets('trueup/sources/', extension);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:trueup/sources/microsoft-x1Y2z3';

    await expect(get('trueup/sources/pax8')).resolves.toBe('value');
    await expect(get(arn)).resolves.toBe('value');
    await expect(get('trueup/pax8')).rejects.toThrow(
      'the collector may read only secrets named trueup/sources/… (sourceSecretsPrefix in the CDK config)',
    );
    await expect(get('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf')).rejects.toThrow(
      /only secrets named trueup\/sources\//,
    );
    expect(asked).toEqual(['trueup/sources/pax8', arn]);
  });

  it('passes every secret through when no prefix is configured (local runs)', async () => {
    await expect(collector.sourceSecrets(undefined, async () => 'v')('anything')).resolves.toBe('v');
  });
});

describe('collector event', () => {
  it('rejects an event whose source is not a name, before reading anything', async () => {
    await expect(collector.handler({ source: 42 })).rejects.toThrow(/expected string, received number/);
  });
});
