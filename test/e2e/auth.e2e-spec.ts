import request from 'supertest';
import { registerUser, uniqueUsername } from '@app/testing';
import { createTestApp, type TestApp } from '../setup/test-app';

describe('auth (contract part A)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('registers a user, logs it in with a sessionid cookie and creates its wallet at 0.00', async () => {
    const username = uniqueUsername();
    const agent = request.agent(t.server);
    const response = await agent
      .post('/v1/auth/register')
      .send({ username, password: 'pw-1', passwordConfirm: 'pw-1' })
      .expect(200);
    expect(response.body).toEqual({ status: { success: true, errors: [] }, data: { id: expect.any(String), username } });
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^sessionid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const wallet = await agent.get('/v1/wallets').expect(200);
    expect(wallet.body.data).toEqual({ id: expect.any(String), user_id: response.body.data.id, balance: '0.00' });
  });

  it('answers 400 with target username when the username is taken', async () => {
    const user = await registerUser(t.server);
    const response = await request(t.server)
      .post('/v1/auth/register')
      .send({ username: user.username, password: 'x', passwordConfirm: 'x' })
      .expect(400);
    expect(response.body).toEqual({
      status: { success: false, errors: [{ code: 'BAD_REQUEST', message: 'This username already taken.', target: 'username' }] },
      data: null,
    });
  });

  it('logs out: the same cookie then answers 401', async () => {
    const user = await registerUser(t.server);
    await user.agent.post('/v1/auth/logout').expect(200, { status: { success: true, errors: [] }, data: null });
    const response = await user.agent.get('/v1/wallets').expect(401);
    expect(response.body.status.errors).toEqual([
      { code: 'UNAUTHORIZED', message: 'Authentication required.', target: '__all__' },
    ]);
  });
});
