# The two commands of the README: `make demo` and `make test`.
.PHONY: setup demo test bench

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/pointlabel demo

test: setup
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/pointlabel bench
