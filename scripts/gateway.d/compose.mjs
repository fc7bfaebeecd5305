// Composes the supergraph offline from the subgraph's SDL (schema.graphql, which a test keeps in step with
// the code) with The Guild's federation composition (the library Hive Gateway itself uses).
// Usage: node compose.mjs <schema.graphql> <subgraph url> [<name>=<url>=<sdl file> ...]
//   -> the supergraph SDL on stdout; errors: exit 1. Further subgraphs (other teams') compose alongside.
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";
import { readFileSync } from "node:fs";

const [schemaPath, url, ...others] = process.argv.slice(2);
if (!schemaPath || !url) {
  console.error("usage: node compose.mjs <schema.graphql> <subgraph url> [<name>=<url>=<sdl file> ...]");
  process.exit(2);
}
const services = [{ name: "astrobookings", url, typeDefs: parse(readFileSync(schemaPath, "utf8")) }];
for (const other of others) {
  const [name, otherUrl, path] = other.split("=");
  services.push({ name, url: otherUrl, typeDefs: parse(readFileSync(path, "utf8")) });
}
const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) console.error(`composition: ${error.message}`);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
