"""The console adapter: the engine in a terminal, for trying Tandem with no workspace at all."""
