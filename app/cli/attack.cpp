// hyperlab-cli attack DIR [--epsilon LIST] [--method fgsm|pgd] [--steps N]
// [--step-size A] [--random-start] [--limit N] [--out FILE.csv]: a trained
// run's test accuracy on adversarial examples, one row per epsilon.
#include <csignal>
#include <cstdio>

#include "cli.h"
#include "train/attack.h"
#include "train/report.h"

namespace hyperlab::cli {

int cmd_attack(const Args& a) {
  if (a.positionals.size() != 1) return bad_input("attack needs the run's folder (the --out of its run)");
  AttackOptions o;
  o.checkpoint = a.positionals[0] + "/checkpoint.pt";
  if (!a.epsilon.empty())
    if (std::string e = parse_epsilons(a.epsilon, o.epsilons); !e.empty()) return bad_input(e);
  if (!a.method.empty()) o.method = a.method;
  if (o.method == "fgsm" && (a.steps > 0 || a.step_size > 0 || a.random_start))
    return bad_input("--steps, --step-size and --random-start are for --method pgd (fgsm takes one step of epsilon)");
  if (a.steps > 0) o.steps = a.steps;
  o.step_size = a.step_size, o.random_start = a.random_start, o.limit = a.limit;
  o.examples = 0;  // nobody looks at pictures here
  if (std::string e = check_attack_options(o); !e.empty()) return bad_input(e);

  std::signal(SIGINT, on_sigint);
  Attack attack(o);
  const AttackResult r = attack.run(
      [](const AttackStart& s) {
        std::printf("%s after epoch %d: %s on %lld test images (clean accuracy %s)\n", s.run_name.c_str(), s.epoch,
                    s.method.c_str(), (long long)s.images, fmt(s.clean_accuracy).c_str());
        std::printf("epsilon accuracy\n");
        std::fflush(stdout);
      },
      [](const AttackRow& row) {
        std::printf("%-7s %s\n", fmt(row.epsilon, "%g").c_str(), fmt(row.accuracy).c_str());
        std::fflush(stdout);
        return !g_interrupted;
      });
  std::signal(SIGINT, SIG_DFL);
  if (r.input_error) return bad_input(r.error);
  if (!r.ok && !r.cancelled) {
    std::fprintf(stderr, "error: attack failed: %s\n", r.error.c_str());
    return kExitFailed;
  }
  double attacked = 0;
  int n = 0;
  for (const AttackRow& row : r.rows)
    if (row.epsilon > 0) attacked += row.seconds, ++n;
  if (n > 0) std::printf("%s s per epsilon, %s s in all\n", fmt(attacked / n, "%.2f").c_str(), fmt(r.seconds, "%.1f").c_str());
  if (!a.out.empty()) {
    try {
      write_file_atomic(a.out, attack_csv(r));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return kExitFailed;
    }
    std::printf("wrote %s\n", a.out.c_str());
  }
  if (r.cancelled) {
    std::printf("cancelled after %zu of %zu epsilons\n", r.rows.size(), o.epsilons.size());
    return kExitCancelled;
  }
  return kExitOk;
}

}  // namespace hyperlab::cli
