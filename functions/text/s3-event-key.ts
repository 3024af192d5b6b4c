/**
 * The object key of an S3 event notification as stored: S3 URL-encodes the key in the event,
 * with `+` for a space (so a literal `+` arrives as `%2B`).
 */
export function decodeS3EventKey(eventKey: string): string {
  return decodeURIComponent(eventKey.replace(/\+/g, ' '));
}
