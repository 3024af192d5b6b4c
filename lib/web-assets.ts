/**
 * The console's static files (CSS, JavaScript) that the web console deploys to its S3 bucket,
 * served by CloudFront under `/assets/*` (lib/constructs/web-console.ts). Locally the web
 * server serves the same list (functions/render/console/assets.ts).
 */
import { CONSOLE_ASSETS } from '../functions/render/console/assets.js';

/** One static file: its URL path (`/assets/console.css`), its Content-Type, its text. */
export interface WebAsset {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

export const WEB_ASSETS: readonly WebAsset[] = CONSOLE_ASSETS;
