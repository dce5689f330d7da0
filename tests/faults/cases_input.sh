# Files that are not what they claim to be, and deeply nested input.
# rep N TEXT: TEXT N times. nest N PREFIX SUFFIX: PREFIX, N [, N ], SUFFIX.
rep() { head -c "$1" /dev/zero | tr '\0' "$2"; }  # one-character TEXT
nest() { printf '%s%s%s%s\n' "$2" "$(rep "$1" '[')" "$(rep "$1" ']')" "$3"; }

setup_config_nested() { nest 100000 '{"model": ' '}' > deep.json; }
fault config_nested 2 "nested deeper than" validate @W@/deep.json
setup_config_nested_run() { nest 100000 '{"model": ' '}' > deep.json; }
fault config_nested_run 2 "nested deeper than" run @W@/deep.json --out @W@/out
fault set_nested 2 "nested deeper than" validate --preset spirals --set "training.seed=$(nest 50000 '' '')"
setup_sweep_nested() { nest 100000 '{"params": ' '}' > deep.json; }
fault sweep_nested 2 "nested deeper than" sweep @W@/deep.json
setup_sweep_base_nested() { nest 100000 '{"base": {"config": ' '}, "params": [{"key": "training.seed", "values": [1]}]}' > deep.json; }
fault sweep_base_nested 2 "nested deeper than" sweep @W@/deep.json
fault expr_nested 2 "nested deeper than" playground --expr "$(rep 60000 '(')x$(rep 60000 ')')" --optimizer adam --steps 10
fault expr_unary_chain 2 "nested deeper than" playground --expr "$(rep 60000 '-')x" --optimizer adam --steps 10
fault expr_power_chain 2 "nested deeper than" playground --expr "$(rep 30000 x | sed "s/x/x^/g")x" --optimizer adam --steps 10

fault config_folder 2 "@W@: is a folder, not a file" validate @W@
fault config_missing 2 "@W@/nope.json: not found" validate @W@/nope.json
fault sweep_folder 2 "@W@: is a folder, not a file" sweep @W@
setup_sweep_base_folder() { mkdir -p base; echo '{"base": {"file": "base"}, "params": [{"key": "training.seed", "values": [1]}]}' > s.json; }
fault sweep_base_folder 2 "is a folder, not a file" sweep @W@/s.json
fault resume_folder_missing 2 "not found" resume @W@/nothing
setup_resume_checkpoint_folder() { mkdir -p run/checkpoint.pt; }
fault resume_checkpoint_folder 2 "is a folder, not a file" resume @W@/run
setup_resume_garbage() { mkdir -p run; head -c 5000 /dev/urandom > run/checkpoint.pt; }
fault resume_garbage 2 "checkpoint" resume @W@/run
fault evaluate_missing 2 "not found" evaluate @W@/nothing

# Sizes and numbers from the command line.
fault playground_steps_huge 2 "--steps needs a whole number from 1 to 10000000" playground --function rosenbrock --optimizer adam --steps 1e12
fault playground_steps_fraction 2 "--steps needs a whole number" playground --function rosenbrock --optimizer adam --steps 2.5
fault playground_every_huge 2 "--every needs a whole number" playground --function rosenbrock --optimizer adam --every 1e300
fault playground_lr_inf 2 "--lr needs a positive number" playground --function rosenbrock --optimizer adam --lr inf
fault playground_lr_nan 2 "--lr needs a positive number" playground --function rosenbrock --optimizer adam --lr nan
fault sweep_workers_huge 2 "--workers needs a whole number" sweep nothing.json --workers 1e12
fault sweep_threads_fraction 2 "--threads needs a whole number" sweep nothing.json --threads 1.5
fault sweep_time_limit_inf 2 "--time-limit needs a number >= 0" sweep nothing.json --time-limit inf
fault runs_sweep_id_huge 2 "--sweep needs a whole number" runs list --sweep 1e30

# A full disk and write errors: the run stops as failed, keeps its completed
# epochs in the history and the last good checkpoint, and leaves no temporaries.
# A 256-256 MLP with Adam: a checkpoint of about 0.8 MB, so 1.2 MB holds one and not two.
big_mlp=(--preset spirals --set 'model.mlp.hidden=[256,256]' --set training.epochs=4 --set training.checkpoint_every=1)
runs_of() { "$CLI" runs list --db "$1" 2>&1; }
FAULT_MOUNT="disk 1200k rw" fault disk_full_checkpoint 1 "No space left on device" \
  run "${big_mlp[@]}" --out @W@/disk/out --db @W@/runs.db
check_disk_full_checkpoint() {
  if grep -q "\.tmp$" disk.contents; then echo "left temporaries: $(cat disk.contents)"; return 1; fi
  grep -qx "./out/checkpoint.pt" disk.contents || { echo "the last good checkpoint is gone: $(cat disk.contents)"; return 1; }
  local list; list=$(runs_of runs.db)
  echo "$list" | grep -q "failed" || { echo "the history does not say failed: $list"; return 1; }
  "$CLI" runs export 1 --db runs.db --format csv | grep -q "^1,1," || { echo "epoch 1 is not in the history"; return 1; }
}
unset FAULT_MOUNT
FAULT_WRAP="ulimit -f 300" fault file_size_limit_checkpoint 1 "File too large" \
  run "${big_mlp[@]}" --out @W@/out --db @W@/runs.db
check_file_size_limit_checkpoint() {
  if ls out/*.tmp >/dev/null 2>&1; then echo "left temporaries: $(ls out)"; return 1; fi
  runs_of runs.db | grep -q "failed" || { echo "the history does not say failed"; return 1; }
}
unset FAULT_WRAP

# The run history: a folder, a read-only file system, a file that is not a database.
fault db_is_folder 1 "@W@: is a folder, not a run database file" runs list --db @W@
setup_db_not_sqlite() { echo "hello" > runs.db; }
fault db_not_sqlite 1 "not a Hyperlab run database" runs list --db @W@/runs.db
setup_db_read_only() {
  mkdir -p ro && "$CLI" run --preset spirals --set training.epochs=1 --out run --db ro/runs.db >/dev/null
}
# Listing and reporting work on a read-only history; changing it is refused with the cause.
FAULT_MOUNT="ro 1m ro" fault db_read_only 1 "read-only file system" runs tag 1 week3 --db @W@/ro/runs.db
setup_db_read_only_list() { setup_db_read_only; }
FAULT_MOUNT="ro 1m ro" fault db_read_only_list 0 "spirals" runs list --db @W@/ro/runs.db
setup_db_read_only_report() { setup_db_read_only; }
FAULT_MOUNT="ro 1m ro" fault db_read_only_report 0 "wrote" runs report --db @W@/ro/runs.db --out @W@/report.html
setup_db_read_only_run() { setup_db_read_only; }
FAULT_MOUNT="ro 1m ro" fault db_read_only_run 0 "not recorded in the run history" \
  run --preset spirals --set training.epochs=1 --out @W@/run2 --db @W@/ro/runs.db
FAULT_MOUNT="ro 1m ro" fault db_read_only_new 1 "cannot create the run database: it is on a read-only file system" \
  runs list --db @W@/ro/new.db
unset FAULT_MOUNT
setup_db_read_only_sweep() {
  setup_db_read_only
  echo '{"name": "ro", "base": {"preset": "spirals"}, "params": [{"key": "training.seed", "values": [1, 2]}]}' > s.json
}
FAULT_MOUNT="ro 1m ro" fault db_read_only_sweep 0 "not recorded" \
  sweep @W@/s.json --set training.epochs=1 --db @W@/ro/runs.db --out @W@/res
unset FAULT_MOUNT
