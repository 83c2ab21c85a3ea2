import type request from 'supertest';

/** Asserts a response's status and whole body at once, so that a failure shows both. */
export async function expectAnswer(response: request.Test, expected: { status: number; body: unknown }): Promise<void> {
  const { status, body } = await response;
  expect({ status, body }).toEqual(expected);
}
