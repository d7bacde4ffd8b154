"""Suite-wide settings: TF backend, quiet logs, deterministic seeds."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# No test may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

