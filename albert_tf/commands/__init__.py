"""The `albert-tf` commands, one module each (see albert_tf/cli.py), and what they share."""


class UsageError(ValueError):
    """A command line that cannot work (unexpected arguments, conflicting flags): exit status 2."""


def reject_positional(argv) -> None:
    """For commands that take flags only: positional arguments are a usage error.

    >>> reject_positional(["albert-tf export", "stray"])
    Traceback (most recent call last):
    ...
    albert_tf.commands.UsageError: unexpected arguments ['stray'] (this command takes --flags only)
    """
    if len(argv) > 1:
        raise UsageError(f"unexpected arguments {argv[1:]} (this command takes --flags only)")
