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
import { MikroORM } from '@mikro-orm/postgresql';
import { BackgroundJobs } from './background-jobs';
import { type OrmParams, ormOptions } from './orm.options';
import { ReplicaReads, WritePositions } from './replicas/replica-reads';
import { pollPool, Replica, ReplicaSet, replicaName } from './replicas/replica-set';
import { STATEMENT_OPTIONS, Statements } from './statements';
import { UnitOfWork } from './unit-of-work';

export interface PersistenceModuleOptions extends OrmParams {
  /**
   * Route paths whose handlers never use the EntityManager (liveness,
   * readiness: they reach the connection directly): their requests
   * get no identity map.
   */
  routesWithoutOrm?: string[];
  /** Hot standbys for the reads that may lag (ReplicaReads); none: every read on the primary. */
  replicas?: { urls: string[]; maxLagSeconds: number; pollMs: number };
}

/**
 * The replicas' own MikroORM instances (same entities and settings, a pool
 * each; nothing connects until a read is routed there) and the pools that
 * poll their positions. The ORM's context name is the primary's, so that a
 * transaction on a replica's EntityManager stands in for the primary's inside
 * ReplicaReads (see there).
 */
function replicaSet(params: PersistenceModuleOptions): ReplicaSet {
  const { urls = [], maxLagSeconds = 5, pollMs = 50 } = params.replicas ?? {};
  const replicas = urls.map((url) => {
    const orm = MikroORM.initSync({
      ...ormOptions({ ...params, url, poolSize: params.poolSize }),
      contextName: 'default',
      extensions: [],
    });
    return new Replica(replicaName(url), orm, pollPool(url));
  });
  return new ReplicaSet(replicas, urls.length > 0 ? pollPool(params.url) : undefined, { maxLagSeconds, pollMs });
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
  static forRoot(params: PersistenceModuleOptions): DynamicModule {
    const routesWithoutOrm = params.routesWithoutOrm ?? [];
    return {
      module: PersistenceModule,
      imports: [MikroOrmModule.forRoot({ ...ormOptions(params), registerRequestContext: false })],
      providers: [
        UnitOfWork,
        Statements,
        BackgroundJobs,
        { provide: ReplicaSet, useFactory: () => replicaSet(params) },
        WritePositions,
        ReplicaReads,
        { provide: STATEMENT_OPTIONS, useValue: { prepared: params.preparedStatements ?? true, debug: params.debug } },
        { provide: ROUTES_WITHOUT_ORM, useValue: routesWithoutOrm },
      ],
      exports: [UnitOfWork, Statements, BackgroundJobs, ReplicaSet, WritePositions, ReplicaReads],
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
