"""One module per head: the head's windows, in-graph forward and post-processing, written once.

Only question answering lives here so far (:mod:`albert_tf.tasks.question_answering`); the other heads
still go through :mod:`albert_tf.export.module`. Modules import TensorFlow lazily where the rest of the
package must keep working without it.

Example:
    >>> from albert_tf.tasks import question_answering
    >>> question_answering.default_doc_stride(384)
    128
"""
