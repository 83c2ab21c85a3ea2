import { type DynamicModule, Module } from '@nestjs/common';
import { ERROR_TABLE, type ErrorTable } from './error.table';

/**
 * Provides the merged error table to the whole application (the exception
 * filter, the idempotency interceptor, the pre-routing middleware through
 * `app.get(ERROR_TABLE)`). The composition root imports it once.
 */
@Module({})
export class ErrorTableModule {
  static forRoot(errors: ErrorTable): DynamicModule {
    return {
      module: ErrorTableModule,
      global: true,
      providers: [{ provide: ERROR_TABLE, useValue: errors }],
      exports: [ERROR_TABLE],
    };
  }
}
