"""Prints (or with --write, regenerates) export/SIGNATURES.md from albert_tf/export/signatures.py.

Usage:
    python export/describe_signatures.py            # print to stdout
    python export/describe_signatures.py --write    # rewrite export/SIGNATURES.md
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from albert_tf.export.signatures import signatures_markdown  # noqa: E402
from albert_tf.utils.io import atomic_write_text  # noqa: E402

if __name__ == "__main__":
    text = signatures_markdown()
    if sys.argv[1:] == ["--write"]:
        atomic_write_text(os.path.join(os.path.dirname(os.path.abspath(__file__)), "SIGNATURES.md"), text)
    else:
        sys.stdout.write(text)
