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
  const strict = withHeaders(false);
  const relaxed = withHeaders(true);
  return (req: Request, res: Response, next: NextFunction) => {
    const inline = options.inlineStylesUnder.some((prefix) => req.path === prefix || req.path.startsWith(`${prefix}/`));
    (inline ? relaxed : strict)(req, res, next);
  };
}
