import { describe, expect, it } from 'vitest';
import { Dec } from '../../functions/domain/money.js';
import { formatsFor, paperSizeOf } from '../../functions/render/format.js';
import { settings } from '../support/builders.js';

const d = (value: string): Dec => new Dec(value);

describe('formats for client documents', () => {
  it('writes money with thousands separators and exactly the currency’s minor digits, by default in en-US', () => {
    const f = formatsFor();
    expect(f.money(d('1234567.5'), 'USD')).toBe('1,234,567.50');
    expect(f.moneyWithCode(d('-1057.5'), 'USD')).toBe('USD -1,057.50');
    expect(f.money(d('1234567'), 'JPY')).toBe('1,234,567');
    expect(f.money(d('999.995'), 'USD')).toBe('1,000.00');
  });

  it('stays exact past the range of a float', () => {
    expect(formatsFor('en-US').money(d('12345678901234567890.125'), 'USD')).toBe('12,345,678,901,234,567,890.13');
  });

  it('uses the locale’s separators and grouping', () => {
    expect(formatsFor('de-DE').money(d('1234567.5'), 'EUR')).toBe('1.234.567,50');
    expect(formatsFor('en-IN').money(d('1234567.5'), 'INR')).toBe('12,34,567.50');
    expect(formatsFor('de-CH').money(d('1234.5'), 'CHF')).toBe("1'234.50");
  });

  it('shows quantities without trailing zeros, at most 4 decimals', () => {
    const f = formatsFor();
    expect(f.quantity(d('1250'))).toBe('1,250');
    expect(f.quantity(d('12.5000'))).toBe('12.5');
    expect(f.quantity(d('418.3333333333333'))).toBe('418.3333');
    expect(f.quantity(d('-0.00001'))).toBe('0');
  });

  it('writes dates and periods in the locale', () => {
    expect(formatsFor('en-US').date('2026-03-31')).toBe('Mar 31, 2026');
    expect(formatsFor('en-GB').date('2026-03-31')).toBe('31 Mar 2026');
    expect(formatsFor('de-DE').date('2026-03-31')).toBe('31.03.2026');
    expect(formatsFor('en-US').period('2026-03')).toBe('March 2026');
    expect(formatsFor('fr-FR').period('2026-03')).toBe('mars 2026');
  });

  it('picks Letter for US and Canadian locales and A4 elsewhere, unless invoice.paperSize says', () => {
    expect(paperSizeOf(settings())).toBe('Letter');
    expect(paperSizeOf(settings({ locale: 'en-CA' }))).toBe('Letter');
    expect(paperSizeOf(settings({ locale: 'en-GB' }))).toBe('A4');
    expect(paperSizeOf(settings({ locale: 'de-DE' }))).toBe('A4');
    expect(paperSizeOf(settings({ locale: 'en-US', invoice: { ...settings().invoice, paperSize: 'A4' } }))).toBe('A4');
  });
});
