import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from '@app/admin';
import { AuthModule } from '@app/auth';
import type { AppConfig } from '@app/config';
import { ErrorTableModule } from '@app/http';
import { PersistenceModule } from '@app/persistence';
import { ENTITIES } from '@app/schema';
import { WalletsModule, WalletsService } from '@app/wallets';
import { migrationsList } from '../../../migrations';

/** The features `cli admin` needs, without HTTP or sessions: an admin is made through AdminService like any action. */
@Module({})
export class CliAdminModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: CliAdminModule,
      imports: [
        PersistenceModule.forRoot({
          url: databaseUrl,
          poolSize: 2,
          debug: false,
          migrationsList,
          entities: ENTITIES,
        }),
        // The features' controllers come with their modules, and the idempotency interceptor on them needs the
        // error table to be built; the command line serves no HTTP, so an empty table does.
        ErrorTableModule.forRoot({}),
        AuthModule.register({ imports: [WalletsModule], registrationListener: WalletsService }),
        AdminModule,
      ],
    };
  }
}
