"""opsflow application shell: the command line that wires the engine and the web app."""
