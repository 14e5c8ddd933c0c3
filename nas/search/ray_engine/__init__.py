"""The Ray Tune engine of a search (`nas.search.engines`): `engine` runs it on the other modules
here. Only this package imports Ray (and it only when a search uses it)."""
