import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  dateInZone,
  daysBetween,
  daysInPeriod,
  isIsoDate,
  isoWeekday,
  lastDay,
  monthsBetween,
} from '../../functions/domain/dates.js';

describe('calendar dates', () => {
  it.each([
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2025-13-01', false],
    ['2025-1-01', false],
    ['02/03/2025', false],
    ['2025-04-31', false],
  ])('judges %s valid: %s', (text, valid) => {
    expect(isIsoDate(text)).toBe(valid);
  });
  it('adds days across months, years and DST changes', () => {
    expect(addDays('2025-01-31', 1)).toBe('2025-02-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-03-09', 1)).toBe('2025-03-10');
    expect(addDays('2025-02-01', -5)).toBe('2025-01-27');
  });
  it('counts days between dates', () => {
    expect(daysBetween('2025-02-08', '2025-06-10')).toBe(122);
    expect(daysBetween('2025-06-10', '2025-02-08')).toBe(-122);
  });
  it('knows period lengths and edges', () => {
    expect(daysInPeriod('2024-02')).toBe(29);
    expect(daysInPeriod('2025-02')).toBe(28);
    expect(lastDay('2025-04')).toBe('2025-04-30');
    expect(addMonths('2025-01', -1)).toBe('2024-12');
    expect(addMonths('2024-11', 14)).toBe('2026-01');
    expect(monthsBetween('2024-11', '2025-02')).toBe(3);
  });
  it('gives ISO weekdays (1 = Monday … 7 = Sunday)', () => {
    expect(isoWeekday('2025-01-31')).toBe(5);
    expect(isoWeekday('2025-02-02')).toBe(7);
    expect(isoWeekday('2025-02-03')).toBe(1);
  });
  it('reads the calendar date of an instant in the MSP time zone', () => {
    const instant = new Date('2025-03-01T03:30:00Z');
    expect(dateInZone(instant, 'America/Chicago')).toBe('2025-02-28');
    expect(dateInZone(instant, 'Europe/Dublin')).toBe('2025-03-01');
  });
});
