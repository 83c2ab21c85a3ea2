export { testDatabaseEnv, databaseUrl, workerDatabaseUrl, type TestDatabaseEnv } from './test-database';
export { registerUser, fundedUser, balanceOf, uniqueUsername, type RegisteredUser } from './builders';
