"""The architecture search. The modules here are engine-free (options, the ladder of
fidelities, budget, the trial, the run folder, the recorder, the driver) and never import Ray
or keras-tuner; the driver runs a search on an engine (`engines`): `ray_engine/` (Ray Tune)
or `keras_tuner_engine/`."""
