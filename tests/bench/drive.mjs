// One measurement: autocannon against one URL, in its own process. Usage: node drive.mjs SPEC.json
// SPEC: {url, method, headers, body, connections, duration | amount, expectBody?, book?: {tokens, launches, run}}
// With `book`, every request is a bookSeats mutation for the next (traveler, launch) pair, 1 seat, a
// unique idempotency key. Prints one JSON line: requests/s, latency percentiles (ms), error counts.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));

function bookingRequests(book) {
  let sent = 0;
  const query =
    "mutation Book($launchId: ID!, $passengers: [PassengerInput!]!, $paymentToken: String!, $key: String) " +
    "{ bookSeats(launchId: $launchId, passengers: $passengers, paymentToken: $paymentToken, idempotencyKey: $key) " +
    "{ __typename } }";
  return [
    {
      method: "POST",
      setupRequest(request) {
        const n = sent++;
        // Travelers and launches both rotate (coprime counts): 64 clients are 64 travelers on ~64 launches.
        const launch = book.launches[n % book.launches.length];
        const traveler = n % book.tokens.length;
        request.headers = { ...spec.headers, authorization: `Bearer ${book.tokens[traveler]}` };
        request.body = JSON.stringify({
          query: book.query || query,
          variables: {
            launchId: launch,
            passengers: [{ name: `Passenger ${n}`, birthDate: "1990-05-17" }],
            paymentToken: book.paymentToken,
            key: `${book.run}-${n}`,
          },
        });
        return request;
      },
    },
  ];
}

const options = {
  url: spec.url,
  method: spec.method || "GET",
  headers: spec.headers || {},
  body: spec.body,
  connections: spec.connections || 32,
  duration: spec.duration || 5,
  timeout: 30,
};
if (spec.expectBody) options.expectBody = spec.expectBody;
if (spec.amount) {
  options.amount = spec.amount;
  delete options.duration;
}
if (spec.book) options.requests = bookingRequests(spec.book);

autocannon(options, (error, result) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log(
    JSON.stringify({
      rps: result.requests.average,
      total: result.requests.total,
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.mean,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      mismatches: result.mismatches,
      duration: result.duration,
    }),
  );
});
