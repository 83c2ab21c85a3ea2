import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiErrors } from './swagger';
import { UnsupportedContentTypeError } from './request-validation.error';

const JSON_BODY_ONLY = 'http:json-body-only';

/** Methods that carry a body; the rule leaves GET and the like alone on a controller marked as a whole. */
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Marks a route (or every route of a controller) whose body, when it has
 * one, must be JSON: anything else answers 415 before the handler runs and
 * nothing is done. Money-moving routes get it through @Idempotent(), the
 * admin controller as a whole. An HTML form can post only
 * `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain`
 * across sites without a preflight, so with the SameSite=Lax cookie this
 * closes the cross-site form door. On a method it also documents the 415.
 */
export function JsonBodyOnly(): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (key === undefined || descriptor === undefined) return SetMetadata(JSON_BODY_ONLY, true)(target as never);
    SetMetadata(JSON_BODY_ONLY, true)(target, key, descriptor);
    ApiErrors(415)(target, key, descriptor);
  };
}

/** `application/json` or `application/<anything>+json`, with any parameters (a charset). */
export function isJsonContentType(contentType: string): boolean {
  const type = contentType.split(';', 1)[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[^/\s]+\+json$/.test(type);
}

/** No body at all: no Transfer-Encoding and a Content-Length absent or 0. */
function isBodyless(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] === undefined && (length === undefined || length.trim() === '0');
}

/**
 * Registered as APP_GUARD after the auth guard (a visitor still gets 401),
 * so it runs before interceptors (idempotency records nothing) and the
 * handler. A request with a JSON Content-Type passes; a body-less request
 * may omit the header (voiding a hold). A non-JSON Content-Type is refused
 * even with an empty body: an empty form is still a form.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const jsonOnly = this.reflector.getAllAndOverride<boolean | undefined>(JSON_BODY_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!jsonOnly) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!METHODS_WITH_BODY.has(request.method)) return true;
    const contentType = request.headers['content-type'];
    if (contentType === undefined ? isBodyless(request) : isJsonContentType(contentType)) return true;
    throw new UnsupportedContentTypeError();
  }
}
