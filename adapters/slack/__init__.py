"""The Slack adapter: slash command, DMs, buttons, modals and the Home tab, through slack-bolt."""
