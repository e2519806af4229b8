/**
 * Reading an OpenAPI document and a running server side by side: the server's routes (from Fastify's own router,
 * not from the document's generator), and the documented schema of a request or reply, compiled with ajv's 2020-12
 * dialect (the dialect of OpenAPI 3.1).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

export type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>>; [key: string]: unknown };
interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
  [key: string]: unknown;
}

/** "METHOD /path/{param}" for every route the server answers, HEAD and OPTIONS left out. */
export function serverRoutes(server: FastifyInstance): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─\s]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack[depth] = match[2]!;
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean))
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.add(`${method} ${path}`);
  }
  return routes;
}

/** "METHOD /path/{param}" for every operation in the document. */
export function documentedRoutes(document: OpenApiDocument): Set<string> {
  const routes = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths))
    for (const method of Object.keys(operations)) routes.add(`${method.toUpperCase()} ${path}`);
  return routes;
}

/** Validators for what the document promises about one operation's request body and replies. */
export function contractOf(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const operation = (method: string, path: string) => {
    const found = document.paths[path]?.[method.toLowerCase()];
    if (!found) throw new Error(`${method} ${path} is not in the document`);
    return found;
  };
  const check = (schema: object | undefined, value: unknown, what: string) => {
    if (!schema) throw new Error(`the document has no schema for ${what}`);
    const validate = ajv.compile(schema);
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
  return {
    /** null when the body is what the document accepts, else ajv's reasons. */
    request(method: string, path: string, body: unknown, contentType = 'application/json'): string | null {
      return check(operation(method, path).requestBody?.content[contentType]?.schema, body, `${method} ${path} request`);
    },
    /** null when the reply is what the document promises for its status (exact, else the 4XX class), else ajv's reasons. */
    response(method: string, path: string, status: number, body: unknown, contentType = 'application/json'): string | null {
      const responses = operation(method, path).responses;
      const documented = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
      if (!documented) return `status ${status} is not documented for ${method} ${path}`;
      return check(documented.content?.[contentType]?.schema, body, `${method} ${path} ${status} ${contentType}`);
    },
  };
}
