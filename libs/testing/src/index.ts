export { testDatabaseEnv, databaseUrl, workerDatabaseUrl, type TestDatabaseEnv } from './test-database';
export {
  registerUser,
  fundedUser,
  balanceOf,
  uniqueUsername,
  operationsOf,
  deposit,
  depositsAtOneMoment,
  fundsOf,
  placeHold,
  type RegisteredUser,
  type OperationJson,
  type OperationsPageJson,
  type HoldJson,
} from './builders';
