import type { NextFunction, Request, Response } from 'express';
import { text } from 'express';
import { parse } from 'lossless-json';
import { InvalidJsonBodyError, JsonTooDeepError, MalformedBodyEncodingError } from './request-validation.error';

/**
 * A JSON number as the client wrote it. Amounts must be judged on their text
 * ("1e2" and "10.001" are refused, not silently turned into 100 and 10), so the
 * body is parsed losslessly and no number ever passes through a float.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  toJSON(): number {
    return Number(this.text);
  }
}

export const MAX_BODY_BYTES = 16 * 1024;

/** Far more than any request of this API nests; the parser recurses once per level. */
export const MAX_JSON_DEPTH = 32;

/** Whether `text` opens more than `limit` arrays or objects inside each other (brackets in strings don't count). */
function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (char === 0x5c) escaped = true;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      if (++depth > limit) return true;
    } else if (char === 0x7d || char === 0x5d) depth--;
  }
  return false;
}

/**
 * Whether a body-parser failure is the decoder's: a gzip, deflate or br body
 * that does not decode. body-parser passes the decompression stream's error
 * on as it is (status 400, no `type`), whatever its code: zlib's `Z_DATA_ERROR`
 * or `Z_BUF_ERROR`, brotli's `ERR__ERROR_FORMAT_PADDING_2`... Its own
 * failures (too large, unknown encoding or charset, aborted) all carry a `type`.
 */
function isDecodingError(req: Request, error: unknown): boolean {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  return encoding !== 'identity' && (error as { type?: unknown } | null)?.type === undefined;
}

/** raw-body's own 413 failure, raised before reading: it answers like every other too-large body. */
function tooLarge(length: number): Error {
  return Object.assign(new Error('request entity too large'), {
    type: 'entity.too.large',
    status: 413,
    length,
    limit: MAX_BODY_BYTES,
  });
}

/**
 * Parses `application/json` (and `+json`) bodies without losing any number's
 * text. Bodies of other types are left unparsed (`req.body` stays `{}`).
 */
export function jsonBodyParser() {
  const readText = text({ type: ['application/json', 'application/*+json'], limit: MAX_BODY_BYTES });
  return (req: Request, res: Response, next: NextFunction): void => {
    // No body at all (most GETs): nothing to read, decode or parse. The same test as body-parser's.
    if (req.headers['transfer-encoding'] === undefined && Number.isNaN(Number(req.headers['content-length'] ?? NaN))) {
      req.body = {};
      return next();
    }
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) {
      // Answered at once, before a byte of the body is read (body-parser would read it all first, to keep the
      // connection usable: a client announcing 10 MB and sending nothing would hold it until a timeout), and
      // the connection is closed after the answer, the unread body with it.
      res.setHeader('Connection', 'close');
      return next(tooLarge(declared));
    }
    readText(req, res, (error?: unknown) => {
      if (error) return next(isDecodingError(req, error) ? new MalformedBodyEncodingError() : error);
      if (typeof req.body !== 'string') {
        req.body = {};
        return next();
      }
      if (req.body.trim() === '') {
        req.body = {};
        return next();
      }
      if (nestedDeeperThan(req.body, MAX_JSON_DEPTH)) return next(new JsonTooDeepError(MAX_JSON_DEPTH));
      try {
        req.body = parse(req.body, null, (value) => new JsonNumber(value));
        return next();
      } catch {
        return next(new InvalidJsonBodyError());
      }
    });
  };
}
