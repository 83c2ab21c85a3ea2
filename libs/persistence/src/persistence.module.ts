import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type OrmParams, ormOptions } from './orm.options';
import { STATEMENT_OPTIONS, Statements } from './statements';
import { UnitOfWork } from './unit-of-work';

/**
 * MikroORM for a Nest process, with the entities the composition root lists
 * (@app/schema). The request context middleware gives every HTTP request its
 * own identity map (allowGlobalContext stays off).
 */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(params: OrmParams): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        MikroOrmModule.forRoot({
          ...ormOptions(params),
          registerRequestContext: true,
        }),
      ],
      providers: [
        UnitOfWork,
        Statements,
        { provide: STATEMENT_OPTIONS, useValue: { prepared: params.preparedStatements ?? true, debug: params.debug } },
      ],
      exports: [UnitOfWork, Statements],
    };
  }
}
