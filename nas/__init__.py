"""nas: the `nas` command line, the search driver, and TFLite export."""
