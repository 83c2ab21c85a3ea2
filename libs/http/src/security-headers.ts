import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

export interface SecurityHeadersOptions {
  /** Served over HTTPS (behind a TLS proxy): Strict-Transport-Security and upgrade-insecure-requests. */
  https: boolean;
  /**
   * Path prefixes of pages that carry inline styles they cannot do without:
   * Swagger UI's index (@nestjs/swagger writes two <style> blocks and a
   * style attribute into it). Only `style-src` is relaxed there; scripts
   * stay `'self'` everywhere (Swagger UI's are all files, its init script
   * included).
   */
  inlineStylesUnder: string[];
}

/**
 * helmet's headers with one Content-Security-Policy for everything the API
 * serves: same-origin scripts, styles, images, fonts and requests only, no
 * plugins, no framing, no inline script. Pages that set a stricter policy of
 * their own (the admin console's static files) replace it on their answers.
 *
 * helmet is asked once, at start-up, which headers it sets (none depends on
 * the request with these options: no nonce); each request then gets them set
 * from that list, instead of through helmet's chain of a dozen middlewares.
 */
export function securityHeaders(options: SecurityHeadersOptions): RequestHandler {
  const withHeaders = (inlineStyles: boolean) =>
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'base-uri': ["'self'"],
          'connect-src': ["'self'"],
          'font-src': ["'self'", 'data:'],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          'img-src': ["'self'", 'data:'],
          'object-src': ["'none'"],
          'script-src': ["'self'"],
          'script-src-attr': ["'none'"],
          'style-src': inlineStyles ? ["'self'", "'unsafe-inline'"] : ["'self'"],
          // On plain HTTP (a local run, the container test) upgrading would break every page.
          ...(options.https ? { 'upgrade-insecure-requests': [] } : {}),
        },
      },
      strictTransportSecurity: options.https ? { maxAge: 365 * 24 * 3600, includeSubDomains: false } : false,
      xFrameOptions: { action: 'deny' },
    });
  const strict = headersSetBy(withHeaders(false));
  const relaxed = headersSetBy(withHeaders(true));
  return (req: Request, res: Response, next: NextFunction) => {
    const inline = options.inlineStylesUnder.some((prefix) => req.path === prefix || req.path.startsWith(`${prefix}/`));
    for (const [name, value] of inline ? relaxed : strict) {
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}

/** What a middleware that only sets and removes headers does, in order (undefined: removed). */
function headersSetBy(middleware: RequestHandler): [string, string | undefined][] {
  const headers: [string, string | undefined][] = [];
  let called = false;
  const recorder = {
    setHeader: (name: string, value: string) => headers.push([name, String(value)]),
    removeHeader: (name: string) => headers.push([name, undefined]),
  };
  middleware({} as Request, recorder as unknown as Response, () => (called = true));
  if (!called) throw new Error('the security headers middleware did not call next() synchronously');
  return headers;
}
