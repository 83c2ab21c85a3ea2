export { AdminAction, AdminActionType } from './domain/admin-action.entity';
