import { randomUUID } from 'node:crypto';
import { useTestContext, balanceOf, operationsOf, type RegisteredUser } from '@app/testing';

/**
 * The contract's amount input rules through both money routes. Bodies are sent
 * as raw JSON text, so JSON numbers keep the exact form the client wrote
 * (`1e2`, `10.000`), which the service must judge on that text.
 */

const MISSING = 'Missing data for required field.';
const NOT_A_NUMBER = 'Not a valid number.';
const TOO_MANY_DECIMALS = 'Must have at most 2 decimal places.';
const TOO_SMALL = 'Must be greater than or equal to 0.01.';
const TOO_LARGE = 'Must be less than or equal to 9999999999999.99.';

/** [description, raw JSON text of the amount (undefined: no amount key), expected message]. */
const REJECTED: Array<[string, string | undefined, string]> = [
  ['missing', undefined, MISSING],
  ['null', 'null', MISSING],
  ['an empty string', '""', MISSING],
  ['a negative string', '"-1.00"', TOO_SMALL],
  ['a negative number', '-1', TOO_SMALL],
  ['a negative cent', '-0.01', TOO_SMALL],
  ['zero as a string', '"0"', TOO_SMALL],
  ['"0.00"', '"0.00"', TOO_SMALL],
  ['zero as a number', '0', TOO_SMALL],
  ['0.00 as a number', '0.00', TOO_SMALL],
  ['negative zero', '-0', TOO_SMALL],
  ['three fraction digits as a string', '"1.001"', TOO_MANY_DECIMALS],
  ['three fraction digits as a number', '1.001', TOO_MANY_DECIMALS],
  ['a third fraction digit that is zero (no silent rounding)', '10.000', TOO_MANY_DECIMALS],
  ['a tenth of a cent', '0.001', TOO_MANY_DECIMALS],
  ['an exponent in a number', '1e2', NOT_A_NUMBER],
  ['an upper-case exponent with a sign', '1.5E+1', NOT_A_NUMBER],
  ['a negative exponent', '1e-2', NOT_A_NUMBER],
  ['an exponent in a string', '"1e2"', NOT_A_NUMBER],
  ['hex in a string', '"0x10"', NOT_A_NUMBER],
  ['"NaN"', '"NaN"', NOT_A_NUMBER],
  ['"Infinity"', '"Infinity"', NOT_A_NUMBER],
  ['"-Infinity"', '"-Infinity"', NOT_A_NUMBER],
  ['a leading space', '" 1.00"', NOT_A_NUMBER],
  ['a trailing space', '"1.00 "', NOT_A_NUMBER],
  ['a trailing newline', '"1.00\\n"', NOT_A_NUMBER],
  ['a plus sign', '"+1.00"', NOT_A_NUMBER],
  ['a decimal comma', '"1,50"', NOT_A_NUMBER],
  ['a word', '"string"', NOT_A_NUMBER],
  ['true', 'true', NOT_A_NUMBER],
  ['false', 'false', NOT_A_NUMBER],
  ['an empty object', '{}', NOT_A_NUMBER],
  ['an object holding an amount', '{"amount": "1.00"}', NOT_A_NUMBER],
  ['an empty array', '[]', NOT_A_NUMBER],
  ['an array holding an amount', '["1.00"]', NOT_A_NUMBER],
  ['an array holding a number', '[1]', NOT_A_NUMBER],
  ['a cent above the largest amount, as a string', '"10000000000000.00"', TOO_LARGE],
  ['a cent above the largest amount, as a number', '10000000000000.00', TOO_LARGE],
  ['14 integer digits', '"12345678901234"', TOO_LARGE],
  ['a huge number', '123456789012345678901234567890', TOO_LARGE],
  ['14 integer digits with a leading zero', '"00000000000001"', NOT_A_NUMBER],
];

/** [description, raw JSON text of the amount, the amount the service must record]. */
const ACCEPTED: Array<[string, string, string]> = [
  ['the smallest amount as a string', '"0.01"', '0.01'],
  ['the smallest amount as a number', '0.01', '0.01'],
  ['an integer string', '"1"', '1.00'],
  ['an integer number', '1', '1.00'],
  ['one fraction digit as a string', '"1.5"', '1.50'],
  ['one fraction digit as a number', '1.5', '1.50'],
  ['0.10 as a number, kept exact', '0.10', '0.10'],
  ['two fraction digits as a number', '12.50', '12.50'],
  ['leading zeros in a string', '"007.50"', '7.50'],
  ['13 integer digits', '"1234567890123"', '1234567890123.00'],
  ['exactly the largest amount as a string', '"9999999999999.99"', '9999999999999.99'],
  ['exactly the largest amount as a number (no float rounding)', '9999999999999.99', '9999999999999.99'],
  ['a number a float cannot hold exactly', '1234567890123.47', '1234567890123.47'],
];

describe('amount input rules on both money routes (contract part A)', () => {
  const ctx = useTestContext();

  const body = (fields: Record<string, string>, rawAmount: string | undefined): string => {
    const parts = Object.entries(fields).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`);
    if (rawAmount !== undefined) parts.push(`"amount": ${rawAmount}`);
    return `{${parts.join(', ')}}`;
  };

  const postRaw = (user: RegisteredUser, path: string, text: string) =>
    user.agent.post(path).set('Content-Type', 'application/json').send(text);

  const rejection = (message: string) => ({
    status: {
      success: false,
      errors: [{ code: 'UNPROCESSABLE_ENTITY', message, target: 'amount', reason: 'REQUEST_VALIDATION_FAILED' }],
    },
    data: null,
  });

  describe('POST /v1/wallets/deposit', () => {
    it.each(REJECTED)('rejects %s (%s) with 422 target amount', async (_name, raw, message) => {
      const user = await ctx.registerUser();
      const response = await postRaw(user, '/v1/wallets/deposit', body({}, raw));
      expect({ status: response.status, body: response.body }).toEqual({ status: 422, body: rejection(message) });
      expect(await balanceOf(user)).toBe('0.00');
      expect(await operationsOf(user)).toEqual([]);
    });

    it.each(ACCEPTED)('accepts %s (%s) as exactly %s', async (_name, raw, expected) => {
      const user = await ctx.registerUser();
      const response = await postRaw(user, '/v1/wallets/deposit', body({}, raw));
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ type: 'DEPOSIT', amount: expected, wallet_id: user.walletId });
      expect(await balanceOf(user)).toBe(expected);
    });
  });

  describe('POST /v1/wallets/transfer', () => {
    it.each(REJECTED)('rejects %s (%s) with 422 target amount', async (_name, raw, message) => {
      const sender = await ctx.fundedUser('100.00');
      // Validation comes before any lookup: an unknown destination cannot change the answer.
      const response = await postRaw(sender, '/v1/wallets/transfer', body({ destination: randomUUID() }, raw));
      expect({ status: response.status, body: response.body }).toEqual({ status: 422, body: rejection(message) });
      expect(await balanceOf(sender)).toBe('100.00');
      expect(await operationsOf(sender)).toHaveLength(1);
    });

    it.each(ACCEPTED)('accepts %s (%s) as exactly %s', async (_name, raw, expected) => {
      const sender = await ctx.fundedUser('9999999999999.99');
      const receiver = await ctx.registerUser();
      const response = await postRaw(sender, '/v1/wallets/transfer', body({ destination: receiver.walletId }, raw));
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({
        type: 'TRANSFER',
        amount: `-${expected}`,
        wallet_id: sender.walletId,
      });
      expect(await balanceOf(receiver)).toBe(expected);
      const [credit] = await operationsOf(receiver);
      expect(credit).toMatchObject({ amount: expected, transfer_id: response.body.data.transfer_id });
    });
  });

  describe('amount forms JSON itself cannot carry', () => {
    it.each(['NaN', 'Infinity', '-Infinity', '0x10', '+1', '.5', '1.', '007.50'])(
      'answers a body with the bare amount %s as invalid JSON (422 BAD_REQUEST)',
      async (raw) => {
        const user = await ctx.fundedUser('10.00');
        for (const [path, fields] of [
          ['/v1/wallets/deposit', {}],
          ['/v1/wallets/transfer', { destination: randomUUID() }],
        ] as const) {
          const response = await postRaw(user, path, body(fields, raw));
          expect({ status: response.status, body: response.body }).toEqual({
            status: 422,
            body: {
              status: {
                success: false,
                errors: [
                  {
                    code: 'BAD_REQUEST',
                    message: 'Invalid JSON body.',
                    target: '__all__',
                    reason: 'INVALID_JSON_BODY',
                  },
                ],
              },
              data: null,
            },
          });
        }
        expect(await balanceOf(user)).toBe('10.00');
      },
    );
  });
});
