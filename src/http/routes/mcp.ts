/**
 * `POST /mcp`: Rooman's tools over MCP Streamable HTTP, for the organisation of the request's API key
 * (`Authorization: Bearer <key>`; without one, the default organisation in open mode, like the rest of the API).
 *
 * Stateless: every POST gets a server and transport of its own, closed when the response ends. No MCP session id is
 * issued, so any instance behind a load balancer can take any request, and nothing lives in process memory between
 * them. Answers are plain JSON (no SSE stream); GET (a server-initiated stream) and DELETE (ending a session) have
 * nothing to serve and answer 405, as the specification allows.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRoomanError } from '../../core/errors.ts';
import { createMcpServer, type McpToolHost } from '../../mcp/server.ts';
import type { ResolveOrg } from '../org.ts';

export interface McpRoutesOptions {
  host: McpToolHost;
  resolveOrg: ResolveOrg;
  /** ROOMAN_PUBLIC_URL: browsers on that origin may call too (besides the server's own host). */
  publicUrl?: string | undefined;
}

/** JSON-RPC error codes of the transport layer (the SDK's own use -32000 for "not allowed", -32001 auth). */
const JSON_RPC = { parseError: -32700, invalidRequest: -32600, serverError: -32000, unauthorized: -32001 };

function sendJsonRpcError(
  reply: FastifyReply,
  status: number,
  code: number,
  message: string,
  data?: unknown,
) {
  void reply
    .status(status)
    .type('application/json')
    .send({ jsonrpc: '2.0', error: { code, message, ...(data === undefined ? {} : { data }) }, id: null });
}

function jsonRpcErrorHandler(raw: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (isRoomanError(raw)) {
    if (raw.type === 'UNAUTHORIZED') {
      void reply.header('WWW-Authenticate', 'Bearer');
      return sendJsonRpcError(reply, 401, JSON_RPC.unauthorized, raw.message, raw.toJSON().error);
    }
    return sendJsonRpcError(reply, 403, JSON_RPC.serverError, raw.message, raw.toJSON().error);
  }
  const status = raw.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: raw }, 'mcp request failed');
    return sendJsonRpcError(reply, 500, JSON_RPC.serverError, 'Internal error');
  }
  const badJson = raw.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || raw instanceof SyntaxError;
  return sendJsonRpcError(
    reply,
    status,
    badJson ? JSON_RPC.parseError : JSON_RPC.invalidRequest,
    raw.message,
  );
}

export function registerMcpRoutes(app: FastifyInstance, options: McpRoutesOptions): void {
  const publicOrigin = options.publicUrl ? new URL(options.publicUrl).origin : undefined;

  /**
   * MCP asks servers to check Origin against DNS rebinding: a web page elsewhere must not drive a local Rooman in
   * open mode. Clients that are not browsers send no Origin and pass.
   */
  const originAllowed = (request: FastifyRequest) => {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    try {
      const url = new URL(origin);
      return url.host === request.host || url.origin === publicOrigin;
    } catch {
      return false;
    }
  };

  app.post('/mcp', { errorHandler: jsonRpcErrorHandler }, async (request, reply) => {
    if (!originAllowed(request))
      return sendJsonRpcError(reply, 403, JSON_RPC.serverError, 'Origin not allowed');
    const orgId = await options.resolveOrg(request);
    const server = createMcpServer(options.host, orgId);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    // The transport writes the response itself; Fastify stands aside.
    reply.hijack();
    reply.raw.once('close', () => void server.close());
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (error) {
      request.log.error({ err: error }, 'mcp request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: JSON_RPC.serverError, message: 'Internal error' },
            id: null,
          }),
        );
      }
    }
  });

  const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('Allow', 'POST');
    sendJsonRpcError(
      reply,
      405,
      JSON_RPC.serverError,
      'Method not allowed: this MCP endpoint is stateless; POST only',
    );
  };
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
}
