import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialResolver } from '../../functions/collect/credentials.js';
import { inboxKey } from '../../functions/collect/collect.js';
import { namePattern } from '../../functions/collect/drivers/sftp.js';
import { toCsv } from '../../functions/collect/drivers/driver.js';
import { parseSourcesConfig, readSourcesFile, SourcesConfigError } from '../../functions/collect/sources-config.js';

const KEY = `SHA256:${'a'.repeat(43)}`;

const valid = {
  sources: [
    {
      name: 'rmm',
      type: 'https',
      schedule: 'rate(1 day)',
      url: 'https://rmm.example/export.csv',
      auth: 'header',
      header: 'X-Api-Key',
      credential: { env: 'TRUEUP_RMM_KEY' },
    },
    {
      name: 'datto',
      type: 'sftp',
      schedule: 'cron(0 6 * * ? *)',
      host: 'sftp.example',
      path: '/out',
      hostKeySha256: KEY,
      credential: { file: 'secrets/datto.json' },
    },
    { name: 'cur', type: 's3', schedule: 'rate(6 hours)', bucket: 'acme-cur', prefix: 'focus/' },
    {
      name: 'pax8',
      type: 'pax8',
      schedule: 'cron(0 8 2 * ? *)',
      credential: { secret: 'trueup/pax8' },
      vendor: 'pax8',
    },
    {
      name: 'microsoft',
      type: 'partner-center',
      schedule: 'cron(0 9 10 * ? *)',
      tenantId: 'contoso.onmicrosoft.com',
      credential: { secret: 'trueup/partner-center' },
    },
  ],
  expectedFeeds: [{ vendor: 'pax8', dayOfMonth: 2 }, { vendor: 'microsoft' }],
};

function problems(json: unknown): string[] {
  const parsed = parseSourcesConfig(json);
  return parsed.ok ? [] : parsed.problems;
}

describe('sources.json', () => {
  it('accepts every source type and expected feeds', () => {
    const parsed = parseSourcesConfig(valid);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value.sources.map((s) => s.type)).toEqual(['https', 'sftp', 's3', 'pax8', 'partner-center']);
      expect(parsed.value.expectedFeeds).toEqual(valid.expectedFeeds);
    }
    expect(parseSourcesConfig({})).toEqual({ ok: true, value: { sources: [], expectedFeeds: [] } });
  });

  it('names the source and the field of each problem', () => {
    const bad = structuredClone(valid) as { sources: Record<string, unknown>[]; expectedFeeds: unknown[] };
    bad.sources[0]!.url = 'http://rmm.example/export.csv';
    delete bad.sources[1]!.hostKeySha256;
    bad.sources[2]!.schedule = 'every day';
    bad.sources[3]!.credential = { vault: 'x' };
    bad.sources[4]!.tenantid = 'typo';
    bad.expectedFeeds.push({ vendor: 'ninjaone', dayOfMonth: 32 });
    expect(problems(bad)).toEqual([
      'sources.json: source "rmm" (sources[0]): url: must be an https:// URL (plain http only to 127.0.0.1 or localhost) (got "http://rmm.example/export.csv")',
      'sources.json: source "datto" (sources[1]): hostKeySha256: must be the server host key fingerprint like "SHA256:…" (got nothing)',
      'sources.json: source "cur" (sources[2]): schedule: must be an EventBridge schedule like "rate(1 day)", "rate(6 hours)" or "cron(0 6 * * ? *)" (got "every day")',
      'sources.json: source "pax8" (sources[3]): credential: must be one of {"secret": NAME}, {"env": VARIABLE} or {"file": PATH} (got {"vault":"x"})',
      'sources.json: source "microsoft" (sources[4]): has unknown key "tenantid" (known here: name, schedule, vendor, enabled, type, credential, tenantId, loginUrl, partnerCenterUrl, graphUrl, since, attributeSet, pollSeconds, maxWaitSeconds, caFile)',
      'sources.json: expectedFeeds[2]: dayOfMonth: must be a whole number from 1 to 31 (got 32)',
    ]);
  });

  it('refuses unknown types, duplicate names, missing header auth fields and bad names', () => {
    expect(problems({ sources: [{ name: 'x', type: 'ftp', schedule: 'rate(1 day)' }] })).toEqual([
      'sources.json: source "x" (sources[0]): type: must be one of https, sftp, s3, pax8, partner-center (got "ftp")',
    ]);
    expect(problems({ sources: [valid.sources[2], valid.sources[2]] })).toEqual([
      'sources.json: source "cur" (sources[1]): name: is used twice: sources[0] has the same name',
    ]);
    expect(
      problems({
        sources: [
          {
            name: 'api',
            type: 'https',
            schedule: 'rate(1 day)',
            url: 'https://x.example/a.csv',
            auth: 'header',
            credential: { env: 'TRUEUP_K' },
          },
        ],
      }),
    ).toEqual([
      'sources.json: source "api" (sources[0]): header: is required with auth "header" (the header that carries the key, like "X-Api-Key")',
    ]);
    expect(problems({ sources: [{ ...valid.sources[2], name: 'Bad Name' }] })[0]).toContain(
      'source "Bad Name" (sources[0]): name: must be 1–63 characters',
    );
    expect(problems({ sources: [{ ...valid.sources[2], schedule: 'rate(1 days)' }] })[0]).toContain(
      'schedule: must be an EventBridge schedule',
    );
  });

  it('reads sources.json from a data folder; none means no sources; a bad file lists every problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-sources-'));
    expect(await readSourcesFile(dir)).toEqual({ sources: [], expectedFeeds: [] });
    await writeFile(join(dir, 'sources.json'), JSON.stringify(valid));
    expect((await readSourcesFile(dir)).sources).toHaveLength(5);
    await writeFile(join(dir, 'sources.json'), '{ "sources": [ }');
    await expect(readSourcesFile(dir)).rejects.toThrow(SourcesConfigError);
    await expect(readSourcesFile(dir)).rejects.toThrow(/sources\.json: is not valid JSON/);
  });
});

describe('credential references', () => {
  it('reads environment variables and files, and never shows the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-cred-'));
    await writeFile(join(dir, 'token.txt'), 'file-token\n');
    const resolver = credentialResolver({ env: { TRUEUP_TOKEN: 'env-token', TRUEUP_EMPTY: '' }, baseDir: dir });
    expect(await resolver.resolve({ env: 'TRUEUP_TOKEN' })).toBe('env-token');
    expect(await resolver.resolve({ file: 'token.txt' })).toBe('file-token');
    await expect(resolver.resolve({ env: 'TRUEUP_EMPTY' })).rejects.toThrow(
      'environment variable TRUEUP_EMPTY is not set',
    );
    await expect(resolver.resolve({ file: 'missing.txt' })).rejects.toThrow('file missing.txt cannot be read (ENOENT)');
    await expect(resolver.resolve({ secret: 'trueup/pax8' })).rejects.toThrow(
      'secret "trueup/pax8" resolves only in the collector Lambda',
    );
    const cloud = credentialResolver({
      getSecret: async (id) => (id === 'trueup/pax8' ? '{"clientId":"a","clientSecret":"b"}' : undefined),
    });
    expect(await cloud.resolve({ secret: 'trueup/pax8' })).toContain('clientId');
    await expect(cloud.resolve({ secret: 'other' })).rejects.toThrow('secret "other" has no SecretString');
  });
});

describe('credential references from a data folder someone else wrote', () => {
  it('refuses, when validating, variables not named TRUEUP_… and files outside the data folder', () => {
    const https = (credential: unknown) => ({
      sources: [{ name: 'x', type: 'https', schedule: 'rate(1 day)', url: 'https://collect.example/', credential }],
    });
    expect(problems(https({ env: 'AWS_SECRET_ACCESS_KEY' }))).toEqual([
      'sources.json: source "x" (sources[0]): credential.env: must be an environment variable whose name starts with TRUEUP_, like "TRUEUP_PAX8" (got "AWS_SECRET_ACCESS_KEY")',
    ]);
    for (const file of ['../../.aws/credentials', '/etc/passwd', 'secrets/../../x', 'C:\\Users\\me\\key.txt']) {
      expect(problems(https({ file }))).toEqual([
        `sources.json: source "x" (sources[0]): credential.file: must be a path inside the data folder, like "secrets/pax8.json" (got ${JSON.stringify(file)})`,
      ]);
    }
    expect(problems(https({ env: 'TRUEUP_RMM' }))).toEqual([]);
    expect(problems(https({ file: 'secrets/rmm.txt' }))).toEqual([]);
  });

  it('resolves nothing outside the data folder, symbolic links included, nor variables not named TRUEUP_…', async () => {
    const root = await mkdtemp(join(tmpdir(), 'trueup-cred-'));
    const data = join(root, 'data');
    await mkdir(join(data, 'secrets'), { recursive: true });
    await writeFile(join(root, 'outside.txt'), 'stolen');
    await writeFile(join(data, 'secrets', 'ok.txt'), 'inside');
    await symlink(join(root, 'outside.txt'), join(data, 'secrets', 'link.txt'));
    await symlink(root, join(data, 'up'));
    const resolver = credentialResolver({
      env: { AWS_SECRET_ACCESS_KEY: 'aws-secret', TRUEUP_OK: 'fine' },
      baseDir: data,
    });
    expect(await resolver.resolve({ file: 'secrets/ok.txt' })).toBe('inside');
    expect(await resolver.resolve({ file: join(data, 'secrets', 'ok.txt') })).toBe('inside');
    for (const file of ['../outside.txt', join(root, 'outside.txt'), 'secrets/link.txt', 'up/outside.txt']) {
      const refused = resolver.resolve({ file });
      await expect(refused).rejects.toThrow(
        `file ${file} is refused: a credential file must be inside the data folder ${data}`,
      );
      await expect(refused).rejects.not.toThrow(/stolen/);
    }
    await expect(resolver.resolve({ env: 'AWS_SECRET_ACCESS_KEY' })).rejects.toThrow(
      'environment variable AWS_SECRET_ACCESS_KEY is refused: only variables whose name starts with TRUEUP_',
    );
    expect(await resolver.resolve({ env: 'TRUEUP_OK' })).toBe('fine');
    await expect(credentialResolver({}).resolve({ file: 'secrets/ok.txt' })).rejects.toThrow(
      'file secrets/ok.txt resolves only inside a data folder (pass --data DIR)',
    );
  });

  it("on AWS (a resolver with Secrets Manager) resolves secrets only, never the Lambda's environment or files", async () => {
    const cloud = credentialResolver({
      env: { TRUEUP_X: 'env', AWS_SECRET_ACCESS_KEY: 'lambda-key' },
      baseDir: '/',
      getSecret: async () => 'from-secrets-manager',
    });
    expect(await cloud.resolve({ secret: 'trueup/sources/x' })).toBe('from-secrets-manager');
    await expect(cloud.resolve({ env: 'TRUEUP_X' })).rejects.toThrow(
      'environment variable TRUEUP_X: on AWS, credentials come only from Secrets Manager; use {"secret": …}',
    );
    await expect(cloud.resolve({ env: 'AWS_SECRET_ACCESS_KEY' })).rejects.toThrow(/only from Secrets Manager/);
    await expect(cloud.resolve({ file: 'etc/passwd' })).rejects.toThrow(/only from Secrets Manager/);
  });
});

describe('helpers', () => {
  it('keeps inbox keys inside the source folder', () => {
    expect(inboxKey('rmm', '20260201T060000Z-usage.csv')).toBe('inbox/rmm/20260201T060000Z-usage.csv');
    expect(inboxKey('cur', '../../archive/x.csv')).toBe('inbox/cur/_/_/archive/x.csv');
    expect(inboxKey('cur', 'a b/ü.csv')).toBe('inbox/cur/a b/_.csv');
  });

  it('matches sftp name patterns', () => {
    expect(namePattern('*.csv').test('Usage-1.CSV')).toBe(true);
    expect(namePattern('*.csv').test('usage.csv.part')).toBe(false);
    expect(namePattern('usage-??.csv').test('usage-01.csv')).toBe(true);
    expect(namePattern(undefined).test('.hidden')).toBe(false);
  });

  it('writes CSV with plain decimals and quoted text', () => {
    expect(toCsv([{ a: 1e-7, b: 'x,"y"', c: null }, { d: true }], ['a'])).toBe(
      'a,b,c,d\r\n0.0000001,"x,""y""",,\r\n,,,true\r\n',
    );
  });
});
