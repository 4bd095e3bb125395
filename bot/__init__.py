"""leadloop's application shell: settings, the Bolt app, the HTTP app, the CLI and the scheduler."""
