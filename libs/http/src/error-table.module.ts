import { type DynamicModule, Module } from '@nestjs/common';
import { ERROR_TABLE, ERROR_TRANSLATORS, type ErrorTable, type ErrorTranslator } from './error.table';

/**
 * Provides the merged error table to the whole application (the exception
 * filter, the idempotency interceptor, the pre-routing middleware through
 * `app.get(ERROR_TABLE)`), and the translators of lower layers' errors
 * (ERROR_TRANSLATORS). The composition root imports it once.
 */
@Module({})
export class ErrorTableModule {
  static forRoot(errors: ErrorTable, translators: readonly ErrorTranslator[] = []): DynamicModule {
    return {
      module: ErrorTableModule,
      global: true,
      providers: [
        { provide: ERROR_TABLE, useValue: errors },
        { provide: ERROR_TRANSLATORS, useValue: translators },
      ],
      exports: [ERROR_TABLE, ERROR_TRANSLATORS],
    };
  }
}
