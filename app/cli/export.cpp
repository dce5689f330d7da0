// hyperlab-cli export DIR [--torchscript FILE.pt] [--weights FILE.pth]: a
// trained run for plain PyTorch. hyperlab-cli export-pytorch (CONFIG |
// --preset NAME) [--weights START.pth] > train.py: the config as a PyTorch
// training script (and the weights Hyperlab starts it from).
#include <cstdio>

#include "cli.h"
#include "config/resources.h"
#include "export/pytorch_script.h"
#include "export/torchscript.h"
#include "train/trainer.h"

namespace hyperlab::cli {

int cmd_export(const Args& a) {
  if (a.positionals.size() != 1) return bad_input("export needs the run's folder (the --out of its run)");
  if (a.torchscript.empty() && a.weights.empty())
    return bad_input("export needs --torchscript FILE.pt and/or --weights FILE.pth");
  ModelExportOptions o;
  o.checkpoint = a.positionals[0] + "/checkpoint.pt";
  o.torchscript = a.torchscript, o.weights = a.weights;
  const ModelExportResult r = export_model(o);
  if (!r.ok && r.input_error) return bad_input(r.error);
  if (!r.ok) {
    std::fprintf(stderr, "error: export failed: %s\n", r.error.c_str());
    return kExitFailed;
  }
  std::printf("%s: the weights of epoch %d (%s), %lld parameters\n", r.run_name.c_str(), r.selected_epoch,
              r.selected_epoch == r.epoch ? "the last" : "the selected one", (long long)r.parameters);
  if (!o.torchscript.empty())
    std::printf("wrote %s: TorchScript, input %s; load with torch.jit.load\n", o.torchscript.c_str(), r.input_text.c_str());
  if (!o.weights.empty())
    std::printf("wrote %s: state_dict for the script of hyperlab-cli export-pytorch\n", o.weights.c_str());
  return kExitOk;
}

int cmd_export_pytorch(const Args& a, const ExperimentConfig& cfg) {
  std::string script;
  try {
    script = pytorch_script(cfg);
    if (!a.weights.empty()) write_initial_weights(cfg, a.weights);
  } catch (const std::invalid_argument& e) {
    return bad_input(e.what());
  } catch (const std::exception& e) {
    return bad_input(error_message(e));
  }
  std::fwrite(script.data(), 1, script.size(), stdout);
  if (!a.weights.empty()) std::fprintf(stderr, "wrote %s: the weights the run starts from (--weights)\n", a.weights.c_str());
  return kExitOk;
}

}  // namespace hyperlab::cli
