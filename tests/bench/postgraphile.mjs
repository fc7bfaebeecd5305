// The PostGraphile v5 peer for scripts/bench: the same PostgreSQL database, as many worker processes as the
// service (node:cluster), the Amber preset plus PgLazyJWTPreset (HS256 bearer tokens become
// `jwt.claims.*` settings, which the `pgl` functions read). Usage: node postgraphile.mjs PORT WORKERS
// with DATABASE_URL and PGL_JWT_SECRET in the environment.
import cluster from "node:cluster";
import { createServer } from "node:http";

const port = Number(process.argv[2] || 8102);
const workers = Number(process.argv[3] || 2);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`postgraphile worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const { postgraphile } = await import("postgraphile");
  const { grafserv } = await import("postgraphile/grafserv/node");
  const { PostGraphileAmberPreset } = await import("postgraphile/presets/amber");
  const { PgLazyJWTPreset } = await import("postgraphile/presets/lazy-jwt");
  const { makePgService } = await import("postgraphile/adaptors/pg");
  const preset = {
    extends: [PostGraphileAmberPreset, PgLazyJWTPreset],
    pgServices: [
      makePgService({
        connectionString: process.env.DATABASE_URL,
        schemas: ["pgl", "public"],
        poolConfig: { max: 10 }, // per worker: the service keeps db_pool_size=10 per worker
      }),
    ],
    grafserv: { port, graphqlPath: "/graphql", graphiql: false, watch: false, pgJwtSecret: process.env.PGL_JWT_SECRET },
    grafast: { explain: process.env.PGL_EXPLAIN ? true : false },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.on("error", (error) => {
    console.error(error);
    process.exit(1);
  });
  await serv.addTo(server);
  server.listen(port, "127.0.0.1");
}
