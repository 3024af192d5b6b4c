/**
 * The CLI's AWS connection (an outputs file of `cdk deploy --outputs-file`): with the web
 * console deployed it wires the portal links as the functions do; without it, none.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../bin/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'trueup-connection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stateful = {
  TableName: 'trueup',
  UsageBucketName: 'usage',
  ArtifactsBucketName: 'artifacts',
  WorkQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
  DiscrepancyQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/disc',
};

async function connectWith(pipeline: Record<string, string>) {
  const path = join(dir, `outputs-${Object.keys(pipeline).length}.json`);
  writeFileSync(path, JSON.stringify({ 'TrueUp-Stateful': stateful, 'TrueUp-Pipeline': pipeline }));
  return connect({ outputs: path });
}

describe('connect --outputs', () => {
  it('wires the portal from the PortalLinkSecretArn and PortalBaseUrl outputs', async () => {
    const connection = await connectWith({
      PortalLinkSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:PortalLinkKey-AbCdEf',
      PortalBaseUrl: 'https://d111111abcdef8.cloudfront.net',
    });
    expect(connection.kind).toBe('aws');
    expect(connection.deps.portal?.baseUrl).toBe('https://d111111abcdef8.cloudfront.net');
    connection.close();
  });

  it('has no portal when the stacks have the web console off', async () => {
    const connection = await connectWith({});
    expect(connection.deps.portal).toBeUndefined();
    connection.close();
  });
});
