import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS, REDACTION_CENSOR } from './redaction';

function capture(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    logger: pino({ redact: { paths: REDACTED_PATHS, censor: REDACTION_CENSOR } }, stream),
    text: () => chunks.join(''),
  };
}

describe('log redaction', () => {
  it('censors secret fields wherever a careless caller puts them, up to three levels deep', () => {
    const { logger, text } = capture();
    logger.info({
      password: 'p0',
      body: { password: 'p1', passwordConfirm: 'p2' },
      user: { profile: { password: 'p3' } },
    });
    logger.info({ sessionID: 's0', req: { sessionID: 's1', session: { cookie: 'c1' } }, cookie: 'c0' });
    for (const secret of ['p0', 'p1', 'p2', 'p3', 's0', 's1', 'c0', 'c1']) expect(text()).not.toContain(`"${secret}"`);
    expect(text()).toContain('"password":"[redacted]"');
  });

  it('censors the cookie, authorization and Idempotency-Key request headers and the set-cookie response header', () => {
    const { logger, text } = capture();
    logger.info({
      req: { headers: { cookie: 'sessionid=abc', authorization: 'Basic x', 'idempotency-key': 'k-1', accept: '*/*' } },
      res: { headers: { 'set-cookie': ['sessionid=def; HttpOnly'], 'content-type': 'application/json' } },
    });
    const line = JSON.parse(text());
    expect(line.req.headers).toEqual({
      cookie: '[redacted]',
      authorization: '[redacted]',
      'idempotency-key': '[redacted]',
      accept: '*/*',
    });
    expect(line.res.headers).toEqual({ 'set-cookie': '[redacted]', 'content-type': 'application/json' });
  });
});
