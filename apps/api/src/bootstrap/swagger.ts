import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from '@app/auth';
import { documentErrorReasons, ERROR_TABLE, type ErrorTable } from '@app/http';

export const DOC_PATH = 'api/doc';
export const OPENAPI_JSON_PATH = 'api/doc/openapi.json';

export function buildOpenApiDocument(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle('Wallet ledger API')
    .setDescription(
      'Wallets, deposits and transfers on a double-entry ledger. Every JSON answer is the envelope ' +
        '`{status: {success, errors: [{code, message, target, reason}]}, data}`; `reason` names the specific failure. Money is a decimal string with two ' +
        'fraction digits.\n\n' +
        '**Logging in.** In this page: "Try it out" on `POST /v1/auth/register` or `/v1/auth/login`; the browser ' +
        'then keeps the `sessionid` cookie and sends it with every other "Try it out". The cookie is HttpOnly, so ' +
        'the page cannot show it and the "Authorize" dialog is not needed. The curl commands this page shows send ' +
        'no cookie: with curl, keep the cookie in a jar, `-c jar.txt` on the login and `-b jar.txt` on the calls ' +
        'after it:\n\n' +
        '```\n' +
        "curl -c jar.txt -H 'Content-Type: application/json' -d '{\"username\":\"alice\",\"password\":\"…\"}' " +
        'http://localhost:8080/v1/auth/login\n' +
        'curl -b jar.txt http://localhost:8080/v1/wallets\n' +
        '```\n\n' +
        `OpenAPI JSON: [/${OPENAPI_JSON_PATH}](/${OPENAPI_JSON_PATH})`,
    )
    .setVersion('1')
    // The scheme is named after the cookie: controllers require it with @ApiCookieAuth('sessionid').
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, SESSION_COOKIE)
    .build();
  return documentErrorReasons(SwaggerModule.createDocument(app, config), app.get<ErrorTable>(ERROR_TABLE));
}

/** Swagger UI at /api/doc/ ("Try it out" sends the session cookie), the document at /api/doc/openapi.json. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup(DOC_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'api/doc/openapi.yaml',
    // validatorUrl null: no badge image from validator.swagger.io (the CSP allows same-origin images only).
    swaggerOptions: { withCredentials: true, persistAuthorization: true, validatorUrl: null },
    customSiteTitle: 'Wallet ledger API',
  });
}
