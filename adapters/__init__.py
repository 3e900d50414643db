"""Platform adapters: translate platform input into engine events and render engine replies."""
