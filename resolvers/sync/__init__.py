"""Event delivery and background work: the outbox relay, its consumers and the worker that runs them."""
