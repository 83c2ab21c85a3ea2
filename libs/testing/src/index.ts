export { testDatabaseEnv, databaseUrl, workerDatabaseUrl, type TestDatabaseEnv } from './test-database';
export {
  registerUser,
  fundedUser,
  balanceOf,
  uniqueUsername,
  operationsOf,
  deposit,
  type RegisteredUser,
  type OperationJson,
} from './builders';
