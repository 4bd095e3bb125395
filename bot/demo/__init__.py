"""`leadloop demo`: the Slack stand-in, signed requests, the scripted week and its renderers."""
