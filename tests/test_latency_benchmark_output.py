"""Reading benchmark_model outputs as phones print them: the regular runs' wall-clock mean.

The outputs are real ones posted publicly (tests/fixtures/phone_outputs/, sources and the
expected means in SOURCES.md there), from TF 1.x's benchmark_model to LiteRT 2.x's.
"""

from pathlib import Path

import pytest

from latency_models.benchmark_output import (
    COUNT_LINE,
    SUMMARY_MS,
    SUMMARY_TF1,
    SUMMARY_US,
    parse_benchmark_output,
)
from mobile_seg_nas import UserInputError

OUTPUTS = Path(__file__).parent / "fixtures" / "phone_outputs"

# file: (wall-clock mean in microseconds, regular runs if printed, the line read)
EXPECTED = {
    "tf1_contrib_op_profile.txt": (79760.9, None, SUMMARY_TF1),
    "tf1_adb_shell_quant.txt": (66767.6, 15, COUNT_LINE),
    "tf2_adb_shell_kws.txt": (1039.66, 1000, COUNT_LINE),
    "tf2_op_profiling_riscv.txt": (2950340, 50, COUNT_LINE),
    "tf2_subgraphs_while_lstm.txt": (4918.73, 191, COUNT_LINE),
    "logcat_threadtime_nnapi.txt": (12167.6, 75, COUNT_LINE),
    "logcat_summary_only_readme.txt": (1687.92, None, SUMMARY_US),
    "logcat_summary_two_runs.txt": (333826, None, SUMMARY_US),
    "litert_cpu_blaze_face.txt": (947.132, 1054, COUNT_LINE),
    "litert_use_profiler_sme2.txt": (464.545, 2112, COUNT_LINE),
    "litert_gpu_ms_only.txt": (7430200, 10, SUMMARY_MS),
}


def read(name: str) -> str:
    return (OUTPUTS / name).read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_real_output_gives_its_regular_runs_wall_clock_mean(name):
    mean_us, runs, line_read = EXPECTED[name]
    reading = parse_benchmark_output(read(name))
    assert reading.mean_us == pytest.approx(mean_us)
    assert reading.runs == runs
    assert reading.source == line_read


def test_every_output_is_listed_in_sources_with_the_same_mean():
    rows = [line.split("|") for line in read("SOURCES.md").splitlines() if line.startswith("| `")]
    documented = {row[1].strip(" `"): float(row[2]) for row in rows}
    assert {path.name for path in OUTPUTS.glob("*.txt")} == set(EXPECTED) == set(documented)
    assert documented == pytest.approx({name: mean for name, (mean, _, _) in EXPECTED.items()})


def test_the_op_profile_timings_line_is_a_sum_of_op_times_not_the_mean():
    text = read("tf2_op_profiling_riscv.txt")
    assert "Timings (microseconds): count=50 first=2989660" in text and "avg=2.9499e+06" in text
    assert parse_benchmark_output(text).mean_us == 2.95034e06


def test_litert_profiler_timings_count_warm_up_and_regular_runs_together():
    text = read("litert_use_profiler_sme2.txt")
    assert "Timings (microseconds): count=3166" in text and "avg=411.071" in text
    reading = parse_benchmark_output(text)
    assert (reading.runs, reading.mean_us) == (2112, 464.545)


def test_the_warm_up_count_line_is_never_read_however_many_warm_up_runs():
    text = read("tf1_adb_shell_quant.txt")  # warm-up "at least 4 iterations": count=7, avg=76605.9
    assert parse_benchmark_output(text).mean_us == 66767.6


def test_subgraph_and_initialization_timings_lines_are_ignored():
    text = read("tf2_subgraphs_while_lstm.txt")
    assert "Subgraph (index: 2) Timings (microseconds): count=1 curr=32" in text
    assert parse_benchmark_output(text).mean_us == 4918.73


def test_a_logcat_with_several_runs_is_read_at_its_last_run():
    reading = parse_benchmark_output(read("logcat_summary_two_runs.txt"))
    assert (reading.mean_us, reading.first_us, reading.init_us) == (333826, 307818, 33412)


def test_litert_milliseconds_become_microseconds():
    reading = parse_benchmark_output(read("litert_gpu_ms_only.txt"))
    assert reading.tool == "LiteRT benchmark_model"
    assert (reading.mean_us, reading.first_us, reading.init_us) == (7430200, 7441040, 23744730)


def test_the_count_line_gives_spread_and_the_summary_gives_first_inference_and_init():
    reading = parse_benchmark_output(read("logcat_threadtime_nnapi.txt"))
    assert reading.tool == "TFLite benchmark_model"
    assert (reading.std_us, reading.min_us) == (325, 11787)
    assert (reading.first_us, reading.init_us) == (32942, 126059)


def test_an_output_without_a_wall_clock_mean_is_a_one_line_user_error():
    with pytest.raises(
        UserInputError,
        match=r"no wall-clock mean .*'count=N \.\.\. avg=\.\.\.' "
        r"line after 'Running benchmark for at least N "
        r"iterations', or 'Inference \(avg\): \.\.\.'",
    ):
        parse_benchmark_output("ERROR: Could not open '/data/local/tmp/x.tflite'.\n")


def test_a_run_cut_after_its_warm_up_has_no_mean():
    text = read("tf2_adb_shell_kws.txt")
    cut = text[: text.index("Running benchmark for at least 1000 iterations")]
    with pytest.raises(UserInputError, match="no wall-clock mean"):
        parse_benchmark_output(cut)


def test_op_profile_timings_alone_are_no_mean():
    text = read("tf1_contrib_op_profile.txt")
    profile_only = text[: text.index("Average inference timings in us")]
    with pytest.raises(UserInputError, match="no wall-clock mean"):
        parse_benchmark_output(profile_only)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_thread_count_is_read_where_the_parameters_are_printed(name):
    printed = {
        "litert_cpu_blaze_face.txt": 4,
        "tf2_adb_shell_kws.txt": 1,
        "tf2_op_profiling_riscv.txt": 4,
        "tf2_subgraphs_while_lstm.txt": 1,
    }
    assert parse_benchmark_output(read(name)).threads == printed.get(name)
