/**
 * Runs inside the registration's unit of work, so that what it creates (the
 * user's wallet) commits or rolls back with the user. Auth depends on no
 * other feature: the composition root says who listens (AuthModule.register).
 */
export abstract class RegistrationListener {
  abstract userRegistered(userId: string): Promise<void>;
}
