# albert-tf: `make demo` and `make test` work from a fresh clone; each creates and fills .venv itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# The install is redone whenever the package metadata changes. make test and make demo need the serving
# extra (serve, predict, export's warmup); tensorboard views the trainers' curves.
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# make test runs two pytest-xdist workers: most of the suite's time is single-threaded (tracing, graph
# optimization, subprocesses), so one process leaves a core idle. --dist loadfile keeps each file on one worker,
# so module fixtures are built once (loadgroup's xdist_group marks are not seen under pytest 9).
TEST_WORKERS ?= 2

# make test-jax: the backend-neutral tests (tests/backends) on Keras' JAX and torch backends, in a second
# environment that has no TensorFlow (its requirements come from setup.cfg via .ci/backend_requirements.py).
VENV_JAX := .venv-jax
JAX_STAMP := $(VENV_JAX)/.installed

.PHONY: venv venv-jax test test-jax demo bench bazel-test clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel
	$(PIP) install --quiet -e '.[test,hub,torch,jax,plots,serving,tensorboard]'
	touch $(STAMP)

test: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS)

venv-jax: $(JAX_STAMP)

$(JAX_STAMP): setup.cfg pyproject.toml .ci/backend_requirements.py
	test -x $(VENV_JAX)/bin/python || $(PYTHON) -m venv $(VENV_JAX)
	$(VENV_JAX)/bin/pip install --quiet --upgrade pip setuptools wheel
	$(PYTHON) .ci/backend_requirements.py > $(VENV_JAX)/requirements.txt
	$(VENV_JAX)/bin/pip install --quiet -r $(VENV_JAX)/requirements.txt
	$(VENV_JAX)/bin/pip install --quiet --no-deps -e .
	! $(VENV_JAX)/bin/python -c "import tensorflow" 2>/dev/null
	touch $@

test-jax: $(JAX_STAMP)
	KERAS_BACKEND=jax $(VENV_JAX)/bin/python -m pytest -q --durations=10 tests/backends $(PYTEST_ARGS)
	KERAS_BACKEND=torch $(VENV_JAX)/bin/python -m pytest -q --durations=10 tests/backends $(PYTEST_ARGS)

demo: $(STAMP)
	$(VENV)/bin/albert-tf demo --output_dir=demo_output

BENCHES := forward tokenize end_to_end serving pretrain pipelines

bench: $(STAMP)
	for b in $(BENCHES); do TF_CPP_MIN_LOG_LEVEL=2 $(PY) bench/$$b.py || exit 1; done

# Bazel 4 offline (Debian bazel-bootstrap); see BUILD and WORKSPACE.
bazel-test: $(STAMP)
	command -v bazel >/dev/null || (apt-get update -qq && apt-get install -y -qq bazel-bootstrap)
	env PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bazel test //... --spawn_strategy=standalone --test_output=errors

clean:
	rm -rf $(VENV) $(VENV_JAX) build dist *.egg-info .pytest_cache
