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
