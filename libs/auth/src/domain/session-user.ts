/** What the session keeps about the logged-in user: enough to serve requests without a lookup. */
export interface SessionUser {
  id: string;
  username: string;
}
