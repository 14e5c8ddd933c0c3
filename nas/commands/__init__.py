"""Sub-commands of `nas`: every module (or package) here has `register(subparsers)` and is found
by `nas.cli` on its own, so adding a command is adding a module.

Building the parser imports every command module, so a module imports what needs TensorFlow,
Ray or pandas inside the function that runs its command: `nas preset list` stays instant.
Shared pieces (config arguments, `--json` output, settings dataclasses as flags) are in
`nas.arguments`."""
