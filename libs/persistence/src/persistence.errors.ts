/** Codes of the failures libs/persistence raises; the composition root gives them their HTTP spec. */
export type PersistenceErrorCode = 'CONCURRENT_CONFLICT' | 'SERVICE_UNAVAILABLE' | 'UNPROCESSABLE_VALUE';
