cmake_minimum_required(VERSION 3.22)
# --set on sweep changes the base config of every trial: a one-trial sweep of
# the spirals preset (200 epochs) with --set training.epochs=1 trains 1 epoch;
# the same --set again finds the sweep complete, another --set is another sweep.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(DB "${WORK}/runs.db")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

file(WRITE "${WORK}/s.json" [=[{"version": 1, "name": "set-epochs", "base": {"preset": "spirals"},
  "params": [{"key": "training.optimizer.lr", "values": [0.01]}]}]=])
cli(0 "completed: 1 trial with a result, 1 run trained" sweep "${WORK}/s.json" --set training.epochs=1
    --set data.synthetic.samples=200 --db "${DB}")
cli(0 "epochs 1/1" runs show 1 --db "${DB}")
cli(0 "already completed earlier" sweep "${WORK}/s.json" --set training.epochs=1 --set data.synthetic.samples=200
    --db "${DB}")
cli(0 "1 run trained" sweep "${WORK}/s.json" --set training.epochs=2 --set data.synthetic.samples=200 --db "${DB}")
lacks("already completed")
cli(0 "epochs 2/2" runs show 2 --db "${DB}")
cli(0 "set-epochs" sweeps --db "${DB}")
cli(0 "2 runs in" runs list --db "${DB}")
