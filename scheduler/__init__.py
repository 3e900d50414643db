"""Periodic work: when the leader sweeps for due ticks and delivers the outbox."""
