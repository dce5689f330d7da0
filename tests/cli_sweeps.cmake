cmake_minimum_required(VERSION 3.22)
# Sweeps through the CLI, as a user drives them: one stopped by its time
# budget and resumed without re-running finished trials; then the same
# sweep planned as a Slurm job array, the jobs run by the generated script
# (as Slurm would, one array index at a time), and the results collected.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(DB "${WORK}/runs.db")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(SWEEP "${SRC}/data/sweep_lr.json")
# 3 learning rates x 2 seeds, 200 epochs each (about 0.6 s a run); a 1.5 s budget stops it early.
cli(130 "budget:" sweep "${SWEEP}" --db "${DB}" --time-limit 0.025 --workers 1)
cli(0 "completed: 3 trials with a result" sweep "${SWEEP}" --db "${DB}" --out "${WORK}/res")
cli(0 "already completed earlier" sweep "${SWEEP}" --db "${DB}")
cli(0 "6 runs in" runs list --sweep 1 --db "${DB}")
cli(0 "lr-seeds" sweeps --db "${DB}")
foreach(f comparison.md comparison.csv report.html)
  if(NOT EXISTS "${WORK}/res/${f}")
    message(FATAL_ERROR "the sweep did not write ${WORK}/res/${f}")
  endif()
endforeach()

# The cluster way, into a second history.
set(DB2 "${WORK}/cluster.db")
set(PLAN "${WORK}/plan")
cli(0 "planned 6 jobs" sweep "${SWEEP}" --db "${DB2}" --plan "${PLAN}")
foreach(f sweep.sbatch run-local.sh jobs.txt plan.json trials/trial-0-r1.json trials/trial-2-r2.json)
  if(NOT EXISTS "${PLAN}/${f}")
    message(FATAL_ERROR "--plan did not write ${PLAN}/${f}")
  endif()
endforeach()
file(READ "${PLAN}/sweep.sbatch" script)
if(NOT script MATCHES "#SBATCH --array=0-5")
  message(FATAL_ERROR "sweep.sbatch lacks the job array:\n${script}")
endif()
cli(0 "collected 0, already in 0, not finished 6" sweep "${SWEEP}" --db "${DB2}" --collect "${PLAN}")
# Array tasks 0-5, as Slurm would start them.
foreach(i RANGE 0 5)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env SLURM_ARRAY_TASK_ID=${i} bash "${PLAN}/sweep.sbatch"
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "array task ${i} failed (${rc}): ${err}")
  endif()
endforeach()
cli(0 "collected 6, already in 0, not finished 0" sweep "${SWEEP}" --db "${DB2}" --collect "${PLAN}")
cli(0 "completed: 3 trials with a result" sweep "${SWEEP}" --db "${DB2}" --collect "${PLAN}")
cli(0 "6 runs in" runs list --sweep 1 --db "${DB2}")
cli(0 "nothing to plan: the sweep is complete" sweep "${SWEEP}" --db "${DB2}" --plan "${PLAN}")
