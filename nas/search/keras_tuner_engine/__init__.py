"""The keras-tuner engine of a search (`nas.search.engines`): `engine`."""
