import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '@app/config';

export const ADMIN_CONSOLE_PATH = '/admin';

/**
 * Where the built console lies. `npm run build` compiles apps/admin-console
 * (its own tsconfig: DOM types, native ES modules) and copies its index.html
 * and console.css into dist/apps/admin-console, beside this file's
 * dist/apps/api/src/bootstrap: from the build, the path follows from
 * __dirname and needs no setting. The tests run this file from its TypeScript
 * source, beside which no built console lies: their global setup transpiles
 * the console into a temporary directory and names it in ADMIN_CONSOLE_DIR
 * (which can also point a deployment at another build).
 */
export function adminConsoleDir(config: AppConfig): string {
  return config.http.adminConsoleDir ?? resolve(__dirname, '..', '..', '..', 'admin-console');
}

/**
 * The console runs only its own scripts and talks only to this origin; the
 * policy also forbids inline scripts and styles, so an injected string can
 * never run, and framing (clickjacking a reversal).
 */
const CONSOLE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Revalidate on every load, so a deployment's new console is picked up at once.
  'Cache-Control': 'no-cache',
};

/**
 * Serves the operators' console as static files at /admin/ (/admin redirects
 * there). It needs no session or body parsing and no guard: it is only a page;
 * every piece of data it shows comes from /v1/admin/*, which the guard protects.
 */
export function serveAdminConsole(app: NestExpressApplication, config: AppConfig): void {
  const dir = adminConsoleDir(config);
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('AdminConsole').warn(
      `no built console in ${dir} (npm run build makes it): ${ADMIN_CONSOLE_PATH} is not served`,
    );
    return;
  }
  app.useStaticAssets(dir, {
    prefix: ADMIN_CONSOLE_PATH,
    index: 'index.html',
    redirect: true,
    dotfiles: 'ignore',
    setHeaders: (response) => {
      for (const [name, value] of Object.entries(CONSOLE_HEADERS)) response.setHeader(name, value);
    },
  });
}
