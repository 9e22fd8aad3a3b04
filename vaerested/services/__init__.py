"""Pure domain logic: plain rows in, plain results out (no Flask, no database)."""
