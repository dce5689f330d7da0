// hyperlab-cli --help: the commands and their options, in one place.
#include "cli.h"

namespace hyperlab::cli {

const char* const kHelp = R"(hyperlab-cli - train neural networks described in JSON, headless

usage:
  hyperlab-cli run (CONFIG.json | --preset NAME) [--set key.path=value]... [--out DIR] [--db FILE | --no-db]
  hyperlab-cli resume DIR [--set training.epochs=N] [--db FILE | --no-db]
  hyperlab-cli evaluate DIR              the trained weights of DIR on the test set
  hyperlab-cli attack DIR [--epsilon 0,0.01,0.02,0.05,0.1] [--method fgsm|pgd] [--steps N]
                    [--step-size A] [--random-start] [--limit N] [--out FILE.csv]
                                         adversarial examples: test accuracy of DIR's trained
                                         weights against perturbations of max-norm epsilon
                                         (pixel units, 0..1; docs/adversarial.md)
  hyperlab-cli export DIR [--torchscript FILE.pt] [--weights FILE.pth]
                                         DIR's selected weights for plain PyTorch: a TorchScript
                                         module (raw pixels in, logits out) and/or a state_dict
                                         for export-pytorch's script (docs/export.md)
  hyperlab-cli export-pytorch (CONFIG.json | --preset NAME) [--set ...] [--weights START.pth]
                                         the config as one PyTorch training script on stdout
                                         (> train.py); --weights also writes the weights run
                                         starts from, for the script's --weights
  hyperlab-cli sweep (SWEEP.json | --preset NAME [--quick]) [--set key.path=value]... [--workers N]
                    [--threads N] [--time-limit MIN] [--fresh] [--db FILE | --no-db] [--out DIR]
                                         a hyper-parameter search (docs/sweep.md); the presets
                                         are homework studies, --quick their short form
  hyperlab-cli sweep SWEEP.json --plan DIR [--batch N] [--set ...] [--fresh] [--db FILE]
                                         jobs for a cluster (Slurm job array)
  hyperlab-cli sweep SWEEP.json --collect DIR [--set ...] [--db FILE] [--out DIR]
                                         import their results
  hyperlab-cli sweeps [--db FILE]        the sweeps in the run history
  hyperlab-cli playground (--function NAME | --expr "..." | --preset NAME)
                    --optimizer NAME[,key=value...]... [--lr LR] [--start X,Y]
                    [--steps N] [--every K] [--minimum X,Y] [--out FILE.csv]   optimizers on 2-D functions
  hyperlab-cli playground --list         its functions, optimizers and presets
  hyperlab-cli data download mnist|cifar10 [--dir DIR]
                                         from their public mirrors, checked (MD5); without --dir
                                         into $XDG_DATA_HOME/hyperlab/datasets/NAME, where configs
                                         without data.path find it
  hyperlab-cli validate (CONFIG.json | --preset NAME) [--set ...]
  hyperlab-cli summary  (CONFIG.json | --preset NAME) [--set ...]
  hyperlab-cli show     (CONFIG.json | --preset NAME) [--set ...]   print the resolved config
  hyperlab-cli presets
  hyperlab-cli info                      BLAS, threads, LibTorch and CUDA devices
  hyperlab-cli runs list [--filter TEXT] [--status S] [--dataset D] [--tag T] [--sweep ID] [--format csv]
  hyperlab-cli runs show RUN
  hyperlab-cli runs export RUN... --format csv|json [--out FILE]
  hyperlab-cli runs compare [RUN...] [--filter ...] [--format md|csv|latex] [--spread se|sd] [--out FILE]
                    (the table's ±: se, the standard error of the mean (default), or sd, the standard deviation)
  hyperlab-cli runs report [RUN...] [--filter ...] [--spread se|sd] [--appendix] [--out FILE.html]
                    (--appendix: per-run details at the end)
  hyperlab-cli runs delete RUN...
  hyperlab-cli runs rename RUN NAME | runs tag RUN TAGS | runs note RUN TEXT
                    (--filter ... is any of the filters of runs list; compare and
                    report take RUN numbers or filters; with neither, every run)
  hyperlab-cli --help | --version

run trains, prints one line per epoch and writes DIR/config.json (the resolved
config), DIR/metrics.csv and DIR/result.json. Without --out, DIR is
runs/NAME-YYYYMMDD-HHMMSS. Ctrl-C finishes the current batch, then writes the
files with status "cancelled"; a second Ctrl-C quits at once.

run also keeps DIR/checkpoint.pt (every training.checkpoint_every epochs, and
at the end): resume DIR continues a run that was interrupted (Ctrl-C, crash,
kill) from its last checkpoint to the same result as an uninterrupted run,
and --set training.epochs=N on resume trains a finished run further.

attack DIR measures DIR/checkpoint.pt's weights (those of evaluate's first
line) on test images perturbed to raise their loss: every pixel moves by at
most epsilon (pixel units: 0..1, before the data's normalisation) and stays
in [0,1]. It prints one "epsilon accuracy" row per epsilon; at epsilon 0 the
accuracy is evaluate's. --method fgsm (default): one step of epsilon along the
sign of the loss gradient; pgd: --steps N (default 10) steps of --step-size A
(default 2.5 epsilon / N), each projected back into the epsilon box, from the
image or with --random-start from a random point in it. --limit N attacks the
first N test images; --out FILE.csv writes
epsilon,accuracy,correct,count,flipped,max_perturbation,seconds.

export DIR writes the weights evaluate reports for the selected epoch (the
last without a validation set). The TorchScript module normalises inside: give
it uint8 or float pixel values 0..255 as [N,C,H,W] (features as [N,D]); it
returns the logits. Its extra files config.json, class_names.json and
input.json say what it was trained on. The .pth state_dict loads into the
model of export-pytorch's script (model.load_state_dict(torch.load(FILE))).

Every run is also recorded in the run history, an SQLite database shared with
the workbench window: --db FILE (default $XDG_DATA_HOME/hyperlab/runs.db, i.e.
~/.local/share/hyperlab/runs.db), or --no-db. Each epoch is committed as it
ends, so a crash loses at most the epoch in progress. If the database cannot be
used, the run goes on and says so. The runs commands read and edit it (RUN is
the number "runs list" shows; --db works there too).

--set takes a JSON value (a bare word is a string):
  --set training.optimizer.lr=0.05 --set model.mlp.hidden=[128,64]
  --set data.train_limit=5000 --set training.device=cuda

exit status: 0 success (completed or early-stopped), 1 failure, 2 bad input
(config, data, device; message on stderr starting with "error:"), 3 diverged,
130 cancelled.

playground runs optimizers on a 2-D function in double precision, with
LibTorch's update rules (rosenbrock, beale, himmelblau, booth, saddle,
quadratic [--param CONDITION], rastrigin, or --expr in x and y with + - * / ^
sin cos tan exp log sqrt abs tanh pi e), and writes step,x,y,f rows (every
K-th step and the last; an optimizer column when several) to --out or stdout.
Example: --function rosenbrock --optimizer adam --optimizer momentum,momentum=0.9
--lr 1e-3 --start -4,-2 --steps 100000 --every 100 --out race.csv

sweep runs a search defined in a sweep file: trials in parallel (--workers N,
each with --threads N; default: the file's run.workers, cores / workers
threads), every trial an ordinary run in the history linked to its sweep.
Ctrl-C or --time-limit MIN stops it; running the same command again resumes
it without re-running finished trials (--fresh starts it anew). --set changes
the base config of every trial (--set training.epochs=20); it is part of the
sweep, so resume with the same --sets. A --set of a key the sweep varies is
refused.

Each command takes only the options shown for it above and refuses any other.
The config schema is documented in docs/config.md.
)";

}  // namespace hyperlab::cli
