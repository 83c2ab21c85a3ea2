export { DomainError, ALL_FIELDS } from './domain.error';
