"""Sub-commands of `nas`: every module here has `register(subparsers)` and is found by
`nas.cli` on its own, so adding a command is adding a module."""
