export { AdminModule } from './admin.module';
export { AdminService } from './application/admin.service';
export { AdminAction, AdminActionType } from './domain/admin-action.entity';
