/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes parse with
 * (zod 4's JSON Schema output), and a plain HTML reference page rendered from it.
 */
import { z } from 'zod';
import { CONNECT_ERROR_STATUS } from './errors.ts';
import type { Auth, RouteDoc } from './http/routes.ts';
import { escapeHtml } from './http/html.ts';

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  client: [{ clientId: [], clientSecret: [] }],
  link: [{ linkToken: [] }],
  bearer: [{ bearer: [] }],
  admin: [{ admin: [] }],
  none: [],
  // client_secret_basic, or client_secret_post (client_id and client_secret in the form body).
  oauth_client: [{ clientBasic: [] }, {}],
};

function schema(s: z.ZodType) {
  return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
}

/** Which answer shapes a path has: data (`/api`), OAuth (RFC 6749 errors) or the Connect envelope. */
function family(path: string): '' | 'Data' | 'OAuth' {
  if (path.startsWith('/api/')) return 'Data';
  if (path.startsWith('/oauth/') || path.startsWith('/.well-known/')) return 'OAuth';
  return '';
}

export function openApiDocument(serverUrl: string, docs: RouteDoc[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const doc of [...docs].sort((a, b) => a.path.localeCompare(b.path))) {
    const path = doc.path.replace(/:(\w+)/g, '{$1}');
    const params = [...doc.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = doc.query
      ? Object.entries((schema(doc.query).properties ?? {}) as Record<string, unknown>).map(([name, s]) => ({ name, in: 'query', schema: s }))
      : [];
    paths[path] ??= {};
    paths[path][doc.method] = {
      tags: [doc.tag],
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      security: SECURITY[doc.auth],
      parameters: [...params, ...query],
      ...(doc.body ? { requestBody: { required: true, content: { [doc.bodyType ?? 'application/json']: { schema: schema(doc.body) } } } } : {}),
      responses: {
        '200': { description: 'Success', content: { 'application/json': { schema: { $ref: `#/components/schemas/${family(doc.path)}Ok` } } } },
        '4XX': { description: 'Error', content: { 'application/json': { schema: { $ref: `#/components/schemas/${family(doc.path)}Error` } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kryptos Connect (open implementation)',
      version: '1.0.0',
      description: 'Wire-compatible with the public Kryptos Connect contract. See README.md for the error-code table.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: {
        clientId: { type: 'apiKey', in: 'header', name: 'X-Client-Id' },
        clientSecret: { type: 'apiKey', in: 'header', name: 'X-Client-Secret' },
        linkToken: { type: 'apiKey', in: 'header', name: 'X-LINK-TOKEN' },
        bearer: { type: 'http', scheme: 'bearer', description: 'cat_… access token' },
        admin: { type: 'http', scheme: 'bearer', description: 'CONNECT_ADMIN_TOKEN' },
        clientBasic: { type: 'http', scheme: 'basic', description: 'OAuth client_secret_basic: client_id and client_secret' },
      },
      schemas: {
        Ok: { type: 'object', properties: { success: { const: true }, data: {} }, required: ['success'] },
        Error: {
          type: 'object',
          properties: {
            success: { const: false },
            error: { type: 'string' },
            code: { enum: Object.keys(CONNECT_ERROR_STATUS) },
            retry_after: { type: 'integer' },
          },
          required: ['success', 'error', 'code'],
        },
        DataOk: { type: 'object' },
        DataError: {
          type: 'object',
          properties: { error: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } },
          required: ['error', 'message'],
        },
        OAuthOk: { type: 'object' },
        OAuthError: { type: 'object', properties: { error: { type: 'string' }, error_description: { type: 'string' } }, required: ['error'] },
      },
    },
  };
}

/** A readable API reference: server-rendered, no scripts (it is served under a strict CSP). */
export function docsPage(doc: ReturnType<typeof openApiDocument>): string {
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods) as [
      string,
      { tags: string[]; summary: string; security: Record<string, unknown>[]; requestBody?: { content: Record<string, { schema: unknown }> } },
    ][]) {
      const tag = op.tags[0] ?? 'Other';
      const auth = op.security.map((s) => Object.keys(s).join(' + ') || 'client_id + client_secret in the form body').join(' or ') || 'none';
      const body = op.requestBody
        ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(Object.values(op.requestBody.content)[0]?.schema, null, 2))}</pre></details>`
        : '';
      const list = byTag.get(tag) ?? [];
      list.push(
        `<section class="op"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3><p>${escapeHtml(op.summary)}</p><p class="auth">Auth: ${escapeHtml(auth)}</p>${body}</section>`,
      );
      byTag.set(tag, list);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join('')}`).join('');
  const codes = Object.entries(CONNECT_ERROR_STATUS)
    .map(([c, s]) => `<tr><td><code>${c}</code></td><td>${s}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(doc.info.title)} — API reference</title><link rel="stylesheet" href="/docs/docs.css"></head><body><main><h1>${escapeHtml(doc.info.title)}</h1><p>${escapeHtml(doc.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p><nav>${[...byTag.keys()].map((t) => `<a href="#${escapeHtml(t)}">${escapeHtml(t)}</a>`).join(' · ')}</nav>${sections}<h2 id="errors">Connect error codes</h2><table><thead><tr><th>Code</th><th>HTTP status</th></tr></thead><tbody>${codes}</tbody></table></main></body></html>`;
}

export const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2937;background:#f9fafb}main{max-width:960px;margin:0 auto;padding:24px}
h2{border-bottom:1px solid #e5e7eb;padding-bottom:4px;margin-top:32px}.op{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 16px;margin:12px 0}
.op h3{font-size:15px;margin:8px 0}.m{display:inline-block;min-width:56px;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px;background:#4b5563}
.m.get{background:#0369a1}.m.post{background:#007558}.m.delete{background:#b91c1c}.m.patch{background:#92400e}.auth{color:#4b5563;font-size:13px}
pre{background:#f3f4f6;padding:8px;overflow:auto;font-size:12px}table{border-collapse:collapse}td,th{border:1px solid #e5e7eb;padding:4px 8px;text-align:left}nav a{margin-right:4px}`;
