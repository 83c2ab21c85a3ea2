import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { type OrmParams, ormOptions } from './orm.options';

/**
 * MikroORM for a Nest process. Entities come from each feature's forFeature
 * (autoLoadEntities); the request context middleware gives every HTTP request
 * its own identity map (allowGlobalContext stays off).
 */
@Module({})
export class PersistenceModule {
  static forRoot(params: OrmParams): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        MikroOrmModule.forRoot({
          ...ormOptions(params),
          autoLoadEntities: true,
          registerRequestContext: true,
        }),
      ],
    };
  }
}
