// Hive Gateway in front of AstroBookings instances (started by scripts/gateway, which sets the variables).
//
// - Trusted documents at the edge: a `documentId` or APQ hash is resolved by the service's own rules
//   (POST /internal/documents, graph/edge/gateway.py) with the client's Authorization; so is the text of a
//   partner (a `role: client` token), of every caller under ASTRO_SAFELIST_ONLY, and an APQ registration.
//   Refusals keep the service's status and `extensions.code`.
// - Every subgraph request carries the client's Authorization and the gateway's proof
//   (X-Astro-Gateway-Secret): the subgraph then runs the gateway's generated sub-queries for a partner,
//   and still authenticates the caller and checks every field's permission and scope.
// - Subscriptions (from clients over graphql-transport-ws, or over SSE with `Accept: text/event-stream`)
//   reach the subgraph over graphql-transport-ws with the authorization and the proof in `connection_init`;
//   a token the subgraph ends (4401) ends the client's subscriptions the same way (tokenEnded).
// - Queries and mutations are spread over the instances round robin (subscriptions go to the first: the
//   subscription transport has one URL; Redis brings every instance's moves to it). No landing page, no
//   GraphiQL (both load assets from a CDN; analysts use an instance's GraphiQL), no usage reporting
//   (scripts/gateway drops HIVE_* / APOLLO_*).
import { defineConfig } from "@graphql-hive/gateway";
import { GraphQLError } from "graphql";

const SECRET = process.env.ASTRO_GATEWAY_SECRET;
if (!SECRET) throw new Error("ASTRO_GATEWAY_SECRET is required");
const INSTANCES = (process.env.ASTRO_GATEWAY_INSTANCES || "http://127.0.0.1:8000").split(",").map((u) => u.replace(/\/$/, ""));
const SAFELIST_ONLY = ["true", "1", "yes"].includes((process.env.ASTRO_SAFELIST_ONLY || "").toLowerCase());
const PROOF = "x-astro-gateway-secret";
const CLIENT_IP = "x-astro-client-ip";
const SUBGRAPH = "astrobookings"; // this service's name in the supergraph (compose.mjs)

let turn = 0;
const nextInstance = () => INSTANCES[turn++ % INSTANCES.length];

// The token's role claim, read without verifying (the service verifies): it only decides whether a text
// document must be checked at the edge. A forged claim gains nothing, the subgraph refuses the token.
function isPartner(request) {
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\./i.exec(request.headers.get("authorization") || "");
  if (!match) return false;
  try {
    return JSON.parse(Buffer.from(match[2], "base64url").toString("utf8")).role === "client";
  } catch {
    return false;
  }
}

const resolvedAtEdge = new WeakSet(); // requests whose document id was resolved by the service
// Texts resolved for callers other than partners (a hash names one text forever): asked once per id. A
// partner's every request asks the service (its manifest and its revocation apply at once); so does every
// request under the global safelist (a document removed from the manifests stops running).
const knownDocuments = new Map();
const KNOWN_DOCUMENTS_MAX = 4096;

function remember(key, query) {
  if (knownDocuments.size >= KNOWN_DOCUMENTS_MAX) knownDocuments.delete(knownDocuments.keys().next().value);
  knownDocuments.set(key, query);
}

// The text to run for `params`, by the service's rules for this caller; its refusal as a GraphQL error.
async function resolveAtService(request, params) {
  const headers = { "content-type": "application/json", accept: "application/json", [PROOF]: SECRET };
  const authorization = request.headers.get("authorization");
  if (authorization) headers.authorization = authorization;
  const response = await fetch(`${nextInstance()}/internal/documents`, { method: "POST", headers, body: JSON.stringify(params) });
  const body = await response.json();
  if (body.errors) {
    const [error] = body.errors;
    const http = { status: response.status };
    const challenge = response.headers.get("www-authenticate");
    if (challenge) http.headers = { "WWW-Authenticate": challenge };
    throw new GraphQLError(error.message, { extensions: { ...error.extensions, http } });
  }
  return body.query;
}

function documentParams(key) {
  return key.startsWith("sha256:") ? { documentId: key } : { extensions: { persistedQuery: { version: 1, sha256Hash: key } } };
}

// Text documents that the service must see: a partner's (only its manifest's texts run), every caller's
// under the global safelist, and an APQ registration (query and hash sent together).
const textDocumentsAtEdge = {
  onParams({ params, request, setParams }) {
    if (!params.query || resolvedAtEdge.has(request)) return;
    const registersApq = params.extensions?.persistedQuery != null;
    if (!(SAFELIST_ONLY || registersApq || isPartner(request))) return;
    const sent = { query: params.query, operationName: params.operationName, extensions: params.extensions };
    return resolveAtService(request, sent).then((query) => setParams({ ...params, query }));
  },
};

// A subscription's socket to the subgraph closed with 4401: the client's token was refused at
// connection_init, expired or was revoked. The client gets the service's answer instead of a bare error:
// an UNAUTHENTICATED error with the reason, then, on a websocket, the same close (4401) as from an instance;
// an SSE stream ends after the error.
const TOKEN_ENDED = 4401;
const tokenEnded = {
  onSubgraphExecute({ subgraphName, executionRequest }) {
    if (subgraphName !== SUBGRAPH || executionRequest.operationType !== "subscription") return;
    const socket = executionRequest.context?.socket; // the client's websocket (absent over SSE)
    return ({ result, setResult }) => {
      if (!result || typeof result[Symbol.asyncIterator] !== "function") return;
      setResult((async function* () {
        try {
          yield* result;
        } catch (closed) {
          if (closed?.code !== TOKEN_ENDED) throw closed;
          const message = closed.reason || "Invalid access token";
          yield { errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] };
          socket?.close(TOKEN_ENDED, message);
        }
      })());
    };
  },
};

// Spreads this service's requests over the instances (the supergraph names the first one).
const roundRobin = {
  onFetch({ url, setURL }) {
    if (INSTANCES.length > 1 && url.startsWith(INSTANCES[0])) setURL(nextInstance() + url.slice(INSTANCES[0].length));
  },
};

export const gatewayConfig = defineConfig({
  landingPage: false,
  graphiql: false,
  persistedDocuments: {
    allowArbitraryDocuments: true, // texts are checked by textDocumentsAtEdge, per caller
    async getPersistedOperation(key, request) {
      const cacheable = !SAFELIST_ONLY && !isPartner(request);
      const query = (cacheable && knownDocuments.get(key)) || (await resolveAtService(request, documentParams(key)));
      if (cacheable) remember(key, query);
      resolvedAtEdge.add(request);
      return query;
    },
    customErrors: {
      keyNotFound: { message: "No GraphQL query found in the request", extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
    },
  },
  propagateHeaders: {
    // The client's Authorization to every subgraph; the proof to this service's only (other teams'
    // subgraphs composed alongside never see it).
    fromClientToSubgraphs({ request, subgraphName, context }) {
      // With the proof, the client's address (per-address rate limits count it, not the gateway's own).
      const address = context?.req?.socket?.remoteAddress;
      const headers = subgraphName === SUBGRAPH ? { [PROOF]: SECRET, ...(address ? { [CLIENT_IP]: address } : {}) } : {};
      const authorization = request.headers.get("authorization");
      return authorization ? { ...headers, authorization } : headers;
    },
  },
  transportEntries: {
    [SUBGRAPH]: {
      options: {
        subscriptions: {
          kind: "ws",
          location: "/graphql",
          options: {
            connectionParams: { authorization: "{context.headers.authorization}", gatewaySecret: SECRET },
          },
        },
      },
    },
  },
  plugins: () => [textDocumentsAtEdge, roundRobin, tokenEnded],
});
