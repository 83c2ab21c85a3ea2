import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '@app/config';
import { parseLsn, WritePositions } from '@app/persistence';

/** The cookie that carries a client's last write position (README, "Read replicas"). */
export const WRITE_POSITION_COOKIE = 'wal_position';

/**
 * Read-your-writes across instances, with no write per movement: the client
 * carries the WAL position of its last write in a cookie, set on the answer
 * of every request that committed something (a movement, a registration, an
 * admin action), and sends it back with its next requests, whichever
 * instance serves them; a read goes to a replica only once that replica has
 * replayed it. The cookie lives a little longer than the lag bound and a
 * poll: past that, every replica still used has replayed it anyway. Only with replicas: no
 * replica, no cookie, nothing read.
 *
 * It is not signed: a client that lowers it sees its own older state (and no
 * one else's), one that raises it reads from the primary, as without replicas.
 */
export function useReadYourWrites(app: NestExpressApplication, config: AppConfig): void {
  const positions = app.get(WritePositions);
  if (!positions.enabled) return;
  const cookie = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.http.secureCookies,
    path: '/',
    // Past the bound (and a poll): a replica still used has replayed a primary position sampled after the write.
    maxAge: Math.ceil(config.database.replicas.maxLagSeconds + config.database.replicas.pollMs / 1000 + 1) * 1000,
  };
  app.use((req: Request, res: Response, next: NextFunction) => {
    const seen = parseLsn(cookieValue(req.headers.cookie, WRITE_POSITION_COOKIE));
    positions.within(
      {
        seen,
        wrote: null,
        onWrite: (lsn) => {
          if (!res.headersSent) res.cookie(WRITE_POSITION_COOKIE, lsn, cookie);
        },
      },
      next,
    );
  });
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
