"""The simulator's pure core: seeded traffic generation, replay parsing, scoring, queueing. No Django."""
