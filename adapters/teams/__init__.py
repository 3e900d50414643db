"""Microsoft Teams: the Bot Framework SDK wired to the engine; botbuilder stays in here."""
