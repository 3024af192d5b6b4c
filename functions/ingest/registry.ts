/**
 * The readable usage formats, in detection order (first match wins). Adding a format is one
 * file under `formats/` plus one entry here.
 */
import { awsCur } from './formats/aws-cur.js';
import { canonical } from './formats/canonical.js';
import { focus } from './formats/focus.js';
import { partnerCenter } from './formats/partner-center.js';
import { pax8 } from './formats/pax8.js';
import type { UsageFormat } from './reader-types.js';
import { replaceControlCharacters } from '../text/control-characters.js';

export const FORMATS: readonly UsageFormat[] = [canonical, focus, partnerCenter, awsCur, pax8];

/** Header names match case-insensitively, ignoring surrounding spaces. */
export function normalizeHeaderName(name: string): string {
  return name.trim().toLowerCase();
}

/** The format a header belongs to, or undefined. Accepts raw header cells. */
export function detectFormat(
  headerNames: readonly string[],
  formats: readonly UsageFormat[] = FORMATS,
): UsageFormat | undefined {
  const names = headerNames.map(normalizeHeaderName);
  return formats.find((format) => format.detect(names));
}

/** The file error for a header no format recognises: names every readable format, and the closest miss. */
export function unknownHeaderMessage(
  headerNames: readonly string[],
  formats: readonly UsageFormat[] = FORMATS,
): string {
  const shown = headerNames.slice(0, 8).map(printable).join(', ');
  const more = headerNames.length > 8 ? `, … (${headerNames.length} columns)` : '';
  const closest = closestMiss(headerNames.map(normalizeHeaderName), formats);
  return (
    `unknown usage file format: the header (${shown}${more}) matches none of the readable formats: ` +
    `${formats.map((format) => format.description).join('; ')}.${closest}`
  );
}

/** A header cell fit for a message: control characters replaced, at most 40 characters. */
function printable(name: string): string {
  const clean = replaceControlCharacters(name.trim(), '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

function closestMiss(names: readonly string[], formats: readonly UsageFormat[]): string {
  const present = new Set(names);
  let best: { format: UsageFormat; missing: string[]; found: number } | undefined;
  for (const format of formats) {
    const specs = Object.entries(format.columns).filter(([, spec]) => spec.required === true);
    const missing = specs.filter(([, spec]) => !spec.names.some((name) => present.has(name))).map(([key]) => key);
    const found = specs.length - missing.length;
    if (found * 2 >= specs.length && (!best || found > best.found)) best = { format, missing, found };
  }
  if (!best || best.missing.length === 0) return '';
  return ` It looks like ${best.format.name} but lacks: ${best.missing.join(', ')}.`;
}
