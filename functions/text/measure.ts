/**
 * Measurements (seconds, megabytes) written for people: log lines and messages. Not for money,
 * which is Dec and written by decimalText (domain/money.ts); these are binary floats by nature.
 */

const FORMATS = new Map<string, Intl.NumberFormat>();

/** `value` with at most `places` decimals, and at least `minPlaces` (default: as many), no grouping. */
export function measureText(value: number, places: number, minPlaces = places): string {
  const key = `${places}/${minPlaces}`;
  let format = FORMATS.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', {
      maximumFractionDigits: places,
      minimumFractionDigits: minPlaces,
      useGrouping: false,
    });
    FORMATS.set(key, format);
  }
  return format.format(value);
}

/** Seconds since `startedMs` (a performance.now() reading), with `places` decimals. */
export function secondsSince(startedMs: number, places = 1): string {
  return measureText((performance.now() - startedMs) / 1000, places);
}
