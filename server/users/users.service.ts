/** Users and their workspaces as the APIs show them, and who may share a workspace. */
import type { User, Workspace } from '../db/tables.ts';

// The queries live in users.repository.ts; re-exported for the data API until its imports move there.
export { findUser, findWorkspace } from './users.repository.ts';

export function userView(u: User) {
  return { id: u.id, email: u.email, is_anonymous: u.is_anonymous === 1 };
}

export function workspaceView(w: Pick<Workspace, 'id' | 'name'>, role?: string) {
  return role ? { id: w.id, name: w.name, role } : { id: w.id, name: w.name };
}

/** Roles that may share a workspace with an app (contract: user must be owner/admin). */
export const CAN_SHARE = new Set(['owner', 'admin']);
