import { EntityManager } from '@mikro-orm/core';
import { useTestContext } from '@app/testing';

/** How many EntityManager forks (a request's identity map) the process makes while `action` runs. */
async function forksDuring(action: () => Promise<unknown>): Promise<number> {
  const original = EntityManager.prototype.fork;
  let forks = 0;
  EntityManager.prototype.fork = function (this: EntityManager, ...args: Parameters<EntityManager['fork']>) {
    forks++;
    return original.apply(this, args);
  } as EntityManager['fork'];
  try {
    await action();
  } finally {
    EntityManager.prototype.fork = original;
  }
  return forks;
}

describe("a request's identity map", () => {
  const ctx = useTestContext();

  it('is not made for the balance read and the money movements, whose every statement is a Statement', async () => {
    const [alice, bob] = await Promise.all([ctx.fundedUser('10.00'), ctx.registerUser()]);
    const forks = await forksDuring(async () => {
      await alice.agent.get('/v1/wallets').expect(200);
      await alice.agent.post('/v1/wallets/deposit').set('Idempotency-Key', 'rc-1').send({ amount: '1.00' }).expect(200);
      await alice.agent
        .post('/v1/wallets/transfer')
        .set('Idempotency-Key', 'rc-2')
        .send({ destination: bob.walletId, amount: '1.00' })
        .expect(200);
      const hold = await alice.agent
        .post('/v1/wallets/holds')
        .send({ destination: bob.walletId, amount: '1.00', expires_in_seconds: 60 })
        .expect(200);
      await alice.agent.post(`/v1/holds/${hold.body.data.id}/capture`).send({}).expect(200);
    });
    expect(forks).toBe(0);
  });

  it('is made for a route that reads through the ORM (the history page)', async () => {
    const alice = await ctx.fundedUser('10.00');
    expect(await forksDuring(() => alice.agent.get('/v1/wallets/operations').expect(200))).toBeGreaterThan(0);
  });
});
