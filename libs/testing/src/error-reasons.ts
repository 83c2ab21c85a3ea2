import type { NonDomainReason } from '@app/http';
import type { DomainErrorReason } from '../../../apps/api/src/error.table';

/** Every `reason` the API may answer: expected failures name one, so a typo fails the type check. */
export type ErrorReason = DomainErrorReason | NonDomainReason;
