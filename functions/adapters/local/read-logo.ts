/**
 * The MSP's logo (`msp.logo` in trueup.json): a PNG, JPEG or SVG file in the data folder. The
 * reader hands its bytes here; the logo is stored with the reference data (base64), so every
 * job sees the logo of the settings it runs with, on AWS as locally.
 */
import type { Logo } from '../../domain/billing-types.js';
import type { Problem } from '../../domain/reference/index.js';

/** Large enough for any letterhead logo, small enough to travel with the reference data. */
export const MAX_LOGO_BYTES = 256 * 1024;

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);

function contentTypeOf(file: string): Logo['contentType'] {
  if (/\.png$/i.test(file)) return 'image/png';
  if (/\.svg$/i.test(file)) return 'image/svg+xml';
  return 'image/jpeg';
}

/** Why `bytes` are not the image `file`'s extension says, or undefined. */
function contentProblem(contentType: Logo['contentType'], bytes: Uint8Array): string | undefined {
  if (contentType === 'image/png')
    return startsWith(bytes, PNG) ? undefined : 'is not a PNG image (its first bytes are not the PNG signature)';
  if (contentType === 'image/jpeg')
    return startsWith(bytes, JPEG) ? undefined : 'is not a JPEG image (its first bytes are not the JPEG signature)';
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096));
  return /<svg[\s>]/i.test(head) ? undefined : 'is not an SVG image (no <svg> element near its start)';
}

/** The logo, or the problem with it, reported on the setting that names it. */
export function readLogo(
  file: string,
  found: { readonly size: number; readonly bytes?: Uint8Array } | undefined,
  settingsFile = 'trueup.json',
): { ok: true; logo: Logo } | { ok: false; problem: Problem } {
  const problem = (reason: string): { ok: false; problem: Problem } => ({
    ok: false,
    problem: { file: settingsFile, column: 'msp.logo', reason },
  });
  if (found === undefined) return problem(`names ${JSON.stringify(file)}, which is not a file in the data folder`);
  if (found.size === 0) return problem(`names ${JSON.stringify(file)}, which is empty`);
  if (found.size > MAX_LOGO_BYTES || found.bytes === undefined) {
    return problem(
      `names ${JSON.stringify(file)}, which is ${Math.ceil(found.size / 1024)} KB: a logo must be at most ${MAX_LOGO_BYTES / 1024} KB`,
    );
  }
  const { bytes } = found;
  const contentType = contentTypeOf(file);
  const bad = contentProblem(contentType, bytes);
  if (bad !== undefined) return problem(`names ${JSON.stringify(file)}, which ${bad}`);
  return { ok: true, logo: { file, contentType, base64: Buffer.from(bytes).toString('base64') } };
}
