import { MikroOrmMiddleware, MikroOrmModule } from '@mikro-orm/nestjs';
import {
  type DynamicModule,
  Global,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { type OrmParams, ormOptions } from './orm.options';
import { STATEMENT_OPTIONS, Statements } from './statements';
import { UnitOfWork } from './unit-of-work';

export interface PersistenceModuleOptions extends OrmParams {
  /**
   * Route paths whose handlers never use the EntityManager (liveness,
   * readiness: they reach the connection directly): their requests
   * get no identity map.
   */
  routesWithoutOrm?: string[];
}

const ROUTES_WITHOUT_ORM = Symbol('ROUTES_WITHOUT_ORM');

/**
 * MikroORM for a Nest process, with the entities the composition root lists
 * (@app/schema). The request context middleware gives every HTTP request its
 * own identity map (allowGlobalContext stays off), except on the routes that
 * say they do not use the ORM: forking an EntityManager is a good part of
 * the cost of a request that does nothing else.
 */
@Global()
@Module({})
export class PersistenceModule implements NestModule {
  static forRoot({ routesWithoutOrm = [], ...params }: PersistenceModuleOptions): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [MikroOrmModule.forRoot({ ...ormOptions(params), registerRequestContext: false })],
      providers: [
        UnitOfWork,
        Statements,
        { provide: STATEMENT_OPTIONS, useValue: { prepared: params.preparedStatements ?? true, debug: params.debug } },
        { provide: ROUTES_WITHOUT_ORM, useValue: routesWithoutOrm },
      ],
      exports: [UnitOfWork, Statements],
    };
  }

  constructor(@Inject(ROUTES_WITHOUT_ORM) private readonly routesWithoutOrm: string[]) {}

  configure(consumer: MiddlewareConsumer): void {
    const everyRoute = { path: '{*all}', method: RequestMethod.ALL };
    const excluded = this.routesWithoutOrm.map((path) => ({ path, method: RequestMethod.ALL }));
    const middleware = consumer.apply(MikroOrmMiddleware);
    (excluded.length > 0 ? middleware.exclude(...excluded) : middleware).forRoutes(everyRoute);
  }
}
