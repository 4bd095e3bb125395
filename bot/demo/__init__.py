"""The demo: a Slack stand-in, signed request builders, renderers and a scripted week."""
