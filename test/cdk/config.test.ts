import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { buildTrueUp } from '../../lib/app.js';
import { testApp } from './app-fixture.js';

describe('parseConfig', () => {
  it('fills every default when the context key is absent', () => {
    const config = parseConfig(undefined);

    expect(config.timezone).toBe('America/Chicago');
    expect(config.schedules).toEqual({
      billingRun: 'cron(0 6 1 * ? *)',
      reconciliationReport: 'cron(0 7 1 * ? *)',
      dunning: 'cron(0 8 * * ? *)',
      aging: 'cron(0 9 * * ? *)',
      collector: 'cron(0 5 * * ? *)',
      statements: 'cron(30 8 * * ? *)',
    });
    expect(config.sourceSecretsPrefix).toBe('trueup/sources/');
  });

  it.each(['', '/', '*', 'trueup/*', 'trueup/sources', 'trueup//sources/'])(
    'refuses %j as the source secrets prefix',
    (prefix) => {
      expect(() => parseConfig({ sourceSecretsPrefix: prefix })).toThrow(
        /trueup\.sourceSecretsPrefix: a Secrets Manager name prefix ending in "\/"/,
      );
    },
  );

  it('accepts a JSON string as passed with cdk -c trueup=…', () => {
    const config = parseConfig(
      '{"mspName":"Acme IT","timezone":"Europe/Berlin","schedules":{"dunning":"cron(30 7 * * ? *)"}}',
    );

    expect(config.mspName).toBe('Acme IT');
    expect(config.timezone).toBe('Europe/Berlin');
    expect(config.schedules.dunning).toBe('cron(30 7 * * ? *)');
    expect(config.schedules.billingRun).toBe('cron(0 6 1 * ? *)');
  });

  it('lists every problem with its key', () => {
    const act = (): unknown =>
      parseConfig({
        timezone: 'Mars/Olympus',
        senderEmail: 'not-an-email',
        schedules: { aging: 'weekly' },
        colour: 'blue',
      });

    expect(act).toThrow(/Invalid TrueUp config \(context key "trueup"\)/);
    expect(act).toThrow(/trueup\.timezone: must be an IANA time zone/);
    expect(act).toThrow(/trueup\.senderEmail/);
    expect(act).toThrow(/trueup\.schedules\.aging: must be cron/);
    expect(act).toThrow(/Unrecognized key: "colour"/);
  });

  it('fails synth of the app when the context is invalid', () => {
    const app = testApp({ trueup: { timezone: 'Nowhere/Land' } });

    expect(() => buildTrueUp(app)).toThrow(/trueup\.timezone/);
  });
});
