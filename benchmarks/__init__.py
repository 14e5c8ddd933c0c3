"""benchmarks: the measurements behind the defaults and the figures in `benchmarks/*.md`, each
run as a module from the repository root (`python -m benchmarks.proxy_fidelity`), with the
`bench` extra installed (`pip install -e ".[bench]"`)."""
