import type { NextFunction, Request, Response } from 'express';
import { text } from 'express';
import { parse } from 'lossless-json';
import { InvalidJsonBodyError } from './request-validation.error';

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

/**
 * Parses `application/json` (and `+json`) bodies without losing any number's
 * text. Bodies of other types are left unparsed (`req.body` stays `{}`).
 */
export function jsonBodyParser() {
  const readText = text({ type: ['application/json', 'application/*+json'], limit: MAX_BODY_BYTES });
  return (req: Request, res: Response, next: NextFunction): void => {
    readText(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (typeof req.body !== 'string') {
        req.body = {};
        return next();
      }
      if (req.body.trim() === '') {
        req.body = {};
        return next();
      }
      try {
        req.body = parse(req.body, null, (value) => new JsonNumber(value));
        return next();
      } catch {
        return next(new InvalidJsonBodyError());
      }
    });
  };
}
