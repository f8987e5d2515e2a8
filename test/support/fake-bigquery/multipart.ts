/** One part of a `multipart/related` body. */
export interface BodyPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Splits a `multipart/related` body (RFC 2387, as the Google client libraries send uploads: a JSON
 * metadata part, then the data part) into its parts. Throws when the body is not well-formed.
 */
export function parseMultipart(contentType: string, body: Buffer): BodyPart[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!/^multipart\//i.test(contentType) || !m) throw new Error(`not a multipart body: ${contentType}`);
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts: BodyPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) throw new Error('multipart body has no boundary');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts; // the closing delimiter
    const headerEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(delimiter, at);
    if (headerEnd === -1 || next === -1 || headerEnd > next) throw new Error('malformed multipart part');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    // The part's body ends with the CRLF that precedes the next delimiter.
    let end = next;
    if (body.subarray(end - 2, end).toString() === '\r\n') end -= 2;
    parts.push({ headers, body: body.subarray(headerEnd + 4, end) });
    at = next;
  }
}
