export { Money, InvalidAmountError, type AmountRejection } from './money';
