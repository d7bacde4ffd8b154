"""`albert-tf demo`: tokenizer -> pretraining -> fine-tuning -> export -> serving on the bundled data."""

from absl import flags

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", "demo_output", "Where everything is written (created).")
flags.DEFINE_bool("quick", False, "Tiny sizes and few steps: a smoke run in about a minute.")
flags.DEFINE_integer("pretrain_steps", None, "Override the number of pretraining steps.")
flags.DEFINE_integer("finetune_epochs", None, "Override the number of fine-tuning epochs.")
flags.DEFINE_integer("seed", 0, "Random seed for data splits, masking and initialisation.")


def main(argv):
    del argv
    from albert_tf.demo import DemoSettings, run_demo

    settings = DemoSettings(output_dir=FLAGS.output_dir, quick=FLAGS.quick, seed=FLAGS.seed)
    settings = settings.scaled()  # overrides below apply on top of the quick sizes
    if FLAGS.pretrain_steps is not None:
        settings.pretrain_steps = FLAGS.pretrain_steps
    if FLAGS.finetune_epochs is not None:
        settings.finetune_epochs = FLAGS.finetune_epochs
    run_demo(settings)
