"""Tandem's conversation engine: platform-neutral events in, replies out, state in storage."""
