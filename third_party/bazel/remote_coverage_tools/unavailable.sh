#!/bin/sh
# Offline stand-in: Bazel's coverage tools are not vendored in this repository.
echo "remote_coverage_tools is an offline stand-in; 'bazel coverage' is not supported here" >&2
exit 1
