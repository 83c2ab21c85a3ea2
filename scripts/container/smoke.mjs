// The container test's walk through the API (scripts/test-container.sh):
// readiness (/readyz when the API has it, else /healthcheck), register,
// log in over plain HTTP, deposit, transfer, balances. Plain Node, no packages.
//   node scripts/container/smoke.mjs http://127.0.0.1:8080 [state.json]
// With a state file (the HA walk, scripts/container/test-ha.sh): when the file exists, the users it
// names are checked first (their sessions still valid, their balances as the last walk left them, a
// keyed transfer between them posted once); then the walk, whose two users replace them in the file.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const stateFile = process.argv[3];
const fail = (message) => {
  console.error(`smoke: ${message}`);
  process.exit(1);
};

async function call(method, path, { body, cookie, key } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie) headers.cookie = cookie;
  if (key) headers['idempotency-key'] = key;
  const response = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const cookies = response.headers.getSetCookie().map((line) => line.split(';')[0]);
  return {
    status: response.status,
    json,
    text,
    cookie: cookies.join('; ') || undefined,
    setCookie: response.headers.getSetCookie(),
  };
}

async function expectOk(what, promise) {
  const answer = await promise;
  if (answer.status !== 200) fail(`${what}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer;
}

// Readiness: prefer /readyz; an API without it (404) is checked on /healthcheck.
const deadline = Date.now() + 60_000;
let route;
for (;;) {
  try {
    const ready = await call('GET', '/readyz');
    if (ready.status === 200) route = '/readyz';
    else if (ready.status === 404 && (await call('GET', '/healthcheck')).status === 200)
      route = '/healthcheck (no /readyz)';
  } catch {
    // not listening yet
  }
  if (route) break;
  if (Date.now() > deadline) fail('the API was not ready within 60 s');
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.log(`ready: ${route}`);

const password = 'correct horse battery staple';
const balanceOf = async (user) =>
  Number((await expectOk('balance', call('GET', '/v1/wallets', { cookie: user.cookie }))).json.data.balance);

if (stateFile && existsSync(stateFile)) {
  const before = JSON.parse(readFileSync(stateFile, 'utf8'));
  const [a, b] = [await balanceOf(before.alice), await balanceOf(before.bob)];
  if (a !== before.alice.balance || b !== before.bob.balance) {
    fail(`the earlier walk's balances: ${a} and ${b}, expected ${before.alice.balance} and ${before.bob.balance}`);
  }
  const key = randomUUID();
  const transfer = () =>
    call('POST', '/v1/wallets/transfer', {
      cookie: before.alice.cookie,
      key,
      body: { destination: before.bob.walletId, amount: '10.00' },
    });
  await expectOk("transfer between the earlier walk's users", transfer());
  await expectOk('the same transfer replayed', transfer());
  const [a2, b2] = [await balanceOf(before.alice), await balanceOf(before.bob)];
  if (a2 !== a - 10 || b2 !== b + 10) fail(`after a keyed transfer of 10.00 sent twice: ${a2} and ${b2}`);
  console.log(
    `the earlier walk's users: sessions valid, balances ${a.toFixed(2)} and ${b.toFixed(2)} as left; ` +
      `a keyed transfer of 10.00 sent twice posted once: ${a2.toFixed(2)} and ${b2.toFixed(2)}`,
  );
}
async function register() {
  const username = `ct-${randomUUID().slice(0, 12)}`;
  const registered = await expectOk(
    `register ${username}`,
    call('POST', '/v1/auth/register', { body: { username, password, passwordConfirm: password } }),
  );
  if (!registered.cookie) fail('register set no session cookie');
  const wallet = await expectOk('GET /v1/wallets', call('GET', '/v1/wallets', { cookie: registered.cookie }));
  return { username, cookie: registered.cookie, walletId: wallet.json.data.id };
}

const alice = await register();
const bob = await register();
// A fresh login over plain HTTP: the cookie must come back and be usable here.
const login = await expectOk('login', call('POST', '/v1/auth/login', { body: { username: bob.username, password } }));
if (!login.cookie) fail('login set no session cookie');
if (login.setCookie.some((line) => /;\s*secure/i.test(line))) {
  fail('login over plain HTTP answered a Secure cookie (set SECURE_COOKIES=false for plain-HTTP setups)');
}
bob.cookie = login.cookie;
await expectOk('GET /v1/auth/me after login', call('GET', '/v1/auth/me', { cookie: bob.cookie }));
console.log(`registered ${alice.username} and ${bob.username}; logged in over plain HTTP`);

await expectOk(
  'deposit',
  call('POST', '/v1/wallets/deposit', { cookie: alice.cookie, key: randomUUID(), body: { amount: '100.00' } }),
);
await expectOk(
  'transfer',
  call('POST', '/v1/wallets/transfer', {
    cookie: alice.cookie,
    key: randomUUID(),
    body: { destination: bob.walletId, amount: '40.00' },
  }),
);
const [a, b] = [await balanceOf(alice), await balanceOf(bob)];
if (a !== 60 || b !== 40) fail(`balances after deposit 100.00 and transfer 40.00: ${a} and ${b}, expected 60 and 40`);
console.log('deposited 100.00, transferred 40.00: balances 60.00 and 40.00');
if (stateFile) {
  writeFileSync(stateFile, JSON.stringify({ alice: { ...alice, balance: a }, bob: { ...bob, balance: b } }), {
    mode: 0o600,
  });
}
