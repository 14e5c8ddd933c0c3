"""The architecture search: Ray Tune driver and trial function, budget, keras-tuner engine."""
