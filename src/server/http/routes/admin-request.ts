/** What every admin route reads of its request: who the admin is, and the `:id` of its path. */
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.js';
import type { Actor } from '../../store/types.js';
import { actorOf, type AdminCaller } from '../auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin behind an admin route's request. */
    adminCaller: AdminCaller | null;
  }
}

type WithId = FastifyRequest<{ Params: { id: string } }>;

/** Who the admin is, for the audit log. */
export function adminActor(request: FastifyRequest): Actor {
  const caller = request.adminCaller;
  if (!caller) throw new HttpError('unauthorized');
  return actorOf(request, `admin:${caller.admin.label}`);
}

/** An `:id` path parameter of an admin route, or `not_found` when it cannot be an id. */
export function idOf(request: WithId): string {
  const { id } = request.params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new HttpError('not_found');
  return id;
}
