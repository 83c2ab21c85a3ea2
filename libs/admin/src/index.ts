export { AdminModule } from './admin.module';
export { AdminService } from './application/admin.service';
export { AdminAction, AdminActionType } from './domain/admin-action.entity';
export { type AdminErrorCode } from './domain/admin.errors';
export { ADMIN_ERRORS } from './http/admin-error.table';
