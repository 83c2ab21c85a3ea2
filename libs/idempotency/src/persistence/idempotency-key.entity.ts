import { Entity, Index, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/**
 * A client's Idempotency-Key, scoped to its user, with the fingerprint of the
 * request that first used it and the answer that request got. Written in the
 * same transaction as the postings of that request: a key never exists
 * without its postings, nor postings of a keyed request without their key.
 */
@Entity({ tableName: 'idempotency_keys' })
@Index({ name: 'idempotency_keys_expires_at_index', properties: ['expiresAt'] })
export class IdempotencyKey {
  [PrimaryKeyProp]?: ['userId', 'key'];

  @PrimaryKey({ type: 'uuid' })
  userId: string;

  @PrimaryKey({ type: 'string', length: 255 })
  key: string;

  /** sha256 of method, path and canonical body. */
  @Property({ type: 'string', length: 64 })
  fingerprint: string;

  /** Null only inside the transaction of the request that holds the key. */
  @Property({ type: 'smallint', nullable: true })
  responseStatus: number | null;

  /** The answer as sent (JSON text: `data` of a success, the whole envelope of a failure). */
  @Property({ type: 'text', nullable: true })
  responseBody: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)' })
  expiresAt: Date;
}
