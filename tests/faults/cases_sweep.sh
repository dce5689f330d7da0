# Sweep files checked like experiment configs (every key typed, unknown keys
# named), --set on sweep changing the base config, and options a command does
# not use refused. Each setup writes its own s.json.
# sweep_json [EXTRA]: a valid one-setting sweep of the spirals preset, with EXTRA keys.
sweep_json() { printf '{"base": {"preset": "spirals"}, "params": [{"key": "training.seed", "values": [1]}]%s}\n' "${1:+, $1}" > s.json; }

# Values of the wrong JSON type: an error naming the key, never a type_error.
setup_sweep_strategy_string() { sweep_json '"strategy": "grid"'; }
fault sweep_strategy_string 2 'strategy: must be an object, got "grid"' sweep @W@/s.json --no-db
setup_sweep_strategy_type_number() { sweep_json '"strategy": {"type": 5}'; }
fault sweep_strategy_type_number 2 "strategy.type: must be a string, got 5" sweep @W@/s.json --no-db
setup_sweep_repeats_string() { sweep_json '"repeats": "3"'; }
fault sweep_repeats_string 2 'repeats: must be an integer, got "3"' sweep @W@/s.json --no-db
setup_sweep_params_number() { echo '{"base": {"preset": "spirals"}, "params": [5]}' > s.json; }
fault sweep_params_number 2 "params[0]: must be an object, got 5" sweep @W@/s.json --no-db
setup_sweep_param_key_number() { echo '{"base": {"preset": "spirals"}, "params": [{"key": 5, "values": [1]}]}' > s.json; }
fault sweep_param_key_number 2 "params[0].key: must be a config key such as training.optimizer.lr, got 5" sweep @W@/s.json --no-db
setup_sweep_param_points_string() {
  echo '{"base": {"preset": "spirals"}, "params": [{"key": "training.optimizer.lr", "log": [0.001, 0.1], "points": "3"}]}' > s.json; }
fault sweep_param_points_string 2 'params[0].points: must be an integer, got "3"' sweep @W@/s.json --no-db
setup_sweep_base_preset_number() { echo '{"base": {"preset": 5}, "params": [{"key": "training.seed", "values": [1]}]}' > s.json; }
fault sweep_base_preset_number 2 "base.preset: must be a string, got 5" sweep @W@/s.json --no-db
setup_sweep_base_number() { echo '{"base": 5, "params": [{"key": "training.seed", "values": [1]}]}' > s.json; }
fault sweep_base_number 2 "base: must be an object, got 5" sweep @W@/s.json --no-db
setup_sweep_base_config_wrong() {
  echo '{"base": {"config": {"version": 1, "model": {"mlp": {}}, "training": {"epochs": "2"}}},
         "params": [{"key": "training.seed", "values": [1]}]}' > s.json; }
fault sweep_base_config_wrong 2 'base.config.training.epochs: must be an integer, got "2"' sweep @W@/s.json --no-db
setup_sweep_base_file_missing() { echo '{"base": {"file": "nope.json"}, "params": [{"key": "training.seed", "values": [1]}]}' > s.json; }
fault sweep_base_file_missing 2 "base.file: nope.json: not found" sweep @W@/s.json --no-db
setup_sweep_objective_string() { sweep_json '"objective": "x"'; }
fault sweep_objective_string 2 'objective: must be an object, got "x"' sweep @W@/s.json --no-db
setup_sweep_run_workers_string() { sweep_json '"run": {"workers": "2"}'; }
fault sweep_run_workers_string 2 'run.workers: must be an integer, got "2"' sweep @W@/s.json --no-db
fault sweep_missing 2 "@W@/nope.json: not found" sweep @W@/nope.json --no-db
setup_sweep_not_object() { echo '[1, 2]' > s.json; }
fault sweep_not_object 2 "a sweep is a JSON object, got [1,2]" sweep @W@/s.json --no-db

# Unknown keys, also next to other errors (all are reported).
setup_sweep_unknown_key() { sweep_json '"stratgy": {"type": "grid"}'; }
fault sweep_unknown_key 2 'stratgy: unknown key (did you mean "strategy"?)' sweep @W@/s.json --no-db
setup_sweep_unknown_and_wrong() { sweep_json '"repeats": "3", "objective": {"metric": "val_loss", "mod": "min"}'; }
fault sweep_unknown_and_wrong 2 'objective.mod: unknown key (did you mean "mode"?)' sweep @W@/s.json --no-db

# --set on sweep changes the base config: a bad value is caught in the base
# (before, --set was ignored and the sweep ran), a varied key is refused.
setup_sweep_set_epochs_zero() { sweep_json; }
fault sweep_set_epochs_zero 2 "base.training.epochs: must be an integer in [1, 100000], got 0" \
  sweep @W@/s.json --set training.epochs=0 --no-db
setup_sweep_set_unknown_key() { sweep_json; }
fault sweep_set_unknown_key 2 'base.training.epoch: unknown key (did you mean "epochs"?)' \
  sweep @W@/s.json --set training.epoch=1 --no-db
setup_sweep_set_varied_key() { sweep_json; }
fault sweep_set_varied_key 2 "--set training.seed: the sweep varies training.seed (params[0])" \
  sweep @W@/s.json --set training.seed=3 --no-db
setup_sweep_set_halving_epochs() { sweep_json '"strategy": {"type": "halving"}'; }
fault sweep_set_halving_epochs 2 "--set training.epochs: halving sets each trial's epochs" \
  sweep @W@/s.json --set training.epochs=3 --no-db
setup_sweep_set_no_value() { sweep_json; }
fault sweep_set_no_value 2 '--set needs key.path=value, got "epochs"' sweep @W@/s.json --set epochs --no-db

# Every command uses an option or refuses it.
fault option_validate_workers 2 "validate does not take --workers (it takes: --preset, --set)" \
  validate --preset spirals --workers 3
fault option_run_threads 2 "run does not take --threads (it takes: --preset, --set, --out, --db, --no-db)" \
  run --preset spirals --threads 2 --no-db --out @W@/out
fault option_runs_list_steps 2 "runs list does not take --steps (it takes: --filter," runs list --steps 5 --db @W@/runs.db
fault option_runs_show_format 2 "runs show does not take --format (it takes: --db)" runs show 1 --format csv --db @W@/runs.db
fault option_runs_list_format_json 2 'runs list: --format is csv, got "json"' runs list --format json --db @W@/runs.db
fault option_playground_db 2 "playground does not take --db" playground --function beale --optimizer adam --db @W@/runs.db
fault option_playground_list_steps 2 "playground --list does not take --steps (it takes: --list)" playground --list --steps 5
setup_option_sweep_preset() { sweep_json; }
fault option_sweep_preset 2 "give a sweep file or --preset, not both" sweep @W@/s.json --preset spirals --no-db
fault sweep_preset_unknown 2 "no sweep preset named \"spirals\" (sweep presets: depth-vanishing-gradient," sweep --preset spirals --no-db
setup_sweep_quick_without_preset() { sweep_json; }
fault sweep_quick_without_preset 2 "--quick is the short form of a sweep preset: give --preset NAME" sweep @W@/s.json --quick --no-db
setup_sweep_objective_test() { sweep_json '"objective": {"metric": "test_accuracy"}'; }
fault sweep_objective_test 2 "objective.metric: test_accuracy would let the test set choose" sweep @W@/s.json --no-db
setup_option_sweep_plan_workers() { sweep_json; }
fault option_sweep_plan_workers 2 "sweep --plan does not take --workers" sweep @W@/s.json --plan @W@/plan --workers 2 --db @W@/runs.db
setup_option_sweep_plan_collect() { sweep_json; }
fault option_sweep_plan_collect 2 "sweep --plan does not take --collect" sweep @W@/s.json --plan @W@/p --collect @W@/p --db @W@/runs.db
setup_option_sweep_collect_no_db() { sweep_json; }
fault option_sweep_collect_no_db 2 "sweep --collect does not take --no-db" sweep @W@/s.json --collect @W@/p --no-db
fault option_evaluate_db 2 "evaluate does not take --db (it takes no options)" evaluate @W@/run --db @W@/runs.db
fault option_resume_out 2 "resume does not take --out (it takes: --set, --db, --no-db)" resume @W@/run --out @W@/out
fault option_info_set 2 "info does not take --set (it takes no options)" info --set a=1
fault option_sweeps_no_db 2 "sweeps does not take --no-db (it takes: --db)" sweeps --no-db
fault option_presets_argument 2 "unexpected argument foo (presets takes none)" presets foo

# Found by the sweep fuzzer: a key with an empty part replaced a whole section.
setup_sweep_key_trailing_dot() { echo '{"base": {"preset": "spirals"}, "params": [{"key": "training.", "values": [1]}]}' > s.json; }
fault sweep_key_trailing_dot 2 "a key path with an empty part" sweep @W@/s.json
fault set_key_double_dot 2 "a key path with an empty part" validate --preset spirals --set training..epochs=3
