// Composes the subgraph SDL read from stdin into a supergraph with Apollo's composition library
// and prints {"errors": [...], "hints": [...]} as JSON.
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { readFileSync } from "node:fs";

const sdl = readFileSync(0, "utf8");
const result = composeServices([{ name: "astrobookings", url: "http://127.0.0.1:8000/graphql", typeDefs: parse(sdl) }]);
console.log(JSON.stringify({
  errors: (result.errors || []).map((e) => e.message),
  hints: (result.hints || []).map((h) => h.message),
  supergraph: result.supergraphSdl ? true : false,
}));
