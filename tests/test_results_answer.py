"""What a user reads after a search: the best network under paper-dpc's latency and under each
latency target in plain words, in `summary.json` and `nas results show`, and the plots with
paper-dpc's latency drawn and one panel per rung."""

import json

import pytest
from test_results_pareto import trial

from nas.cli import main
from nas.commands.results import plot_subtitle
from nas.search.options import SearchOptions, write_search_options
from results import write_run_report, write_trials
from results.answer import answer_text, answers
from results.plots import pareto_figure, pareto_png_figure
from results.report import search_subtitle
from results.table import as_table


def finalist(trial_id, miou, latency_ms, **fields):
    """A trial of a two-rung search that was promoted: measured at rung 1 (its `miou`)."""
    return {**trial(trial_id, miou, latency_ms, **fields), "fidelity": 1, "miou_rung1": miou}


def first_rung(trial_id, miou, latency_ms, **fields):
    """A trial of a two-rung search measured at the proxy only (rung 0)."""
    return {**trial(trial_id, miou, latency_ms, **fields), "fidelity": 0, "miou_rung0": miou}


STAGED = [
    finalist("p", 0.500, 4.12, preset="paper-dpc", head="dpc"),
    finalist("a", 0.512, 3.98, head="dpc"),  # the best under paper-dpc's latency...
    finalist("b", 0.508, 4.00),  # ...tied with it: 0.004 is within the seed noise 0.008
    finalist("c", 0.491, 3.50),
    finalist("f", 0.600, 6.00),  # too slow for paper-dpc's latency
    first_rung("q", 0.350, 2.00),  # a higher mIOU than none: the proxy's scale, not compared
    first_rung("r", 0.330, 1.50),
    trial("x", 0.900, 1.00, status="failed"),
]


@pytest.fixture
def staged():
    return as_table(STAGED)


def test_under_paper_dpcs_latency_the_best_finalist_is_named_with_its_tie_and_next_step(staged):
    (answer,) = answers(staged)
    assert answer["limit"] == "paper-dpc" and answer["limit_ms"] == 4.12
    assert answer["trial"]["trial_id"] == "a"
    assert (answer["rung"], answer["rungs"], answer["lower_rung_only"]) == (1, 2, 2)
    assert [tie["trial_id"] for tie in answer["ties"]] == ["b"]
    assert answer["next"]["trial_id"] == "p"
    assert answer_text(answer) == (
        "Under paper-dpc's latency (4.12 ms): trial a (shufflenet_v2 x1.0, dpc, OS 16, "
        "no decoder) at 3.98 ms, mIOU 0.512 at rung 1 of 2 (the last).\n"
        "  Tied within the proxy's seed noise 0.008: trial b (-0.004): "
        "re-measure both before choosing.\n"
        "  Next: trial p, 0.012 lower.\n"
        "  Not compared: 2 trial(s) under this limit measured at lower rungs only "
        "(their mIOU is on another scale).\n"
        "  Then: nas train --run RUN --trial a --out RUN/trained-a"
    )


def test_each_latency_target_gets_its_answer_after_paper_dpcs(staged):
    limits = [answer["limit"] for answer in answers(staged, [7.0])]
    assert limits == ["paper-dpc", "target 7 ms"]
    assert answers(staged, [7.0])[1]["trial"]["trial_id"] == "f"


def test_a_limit_only_first_rung_trials_meet_says_no_finalist_is_this_fast(staged):
    answer = answers(staged, [3.0])[1]
    assert answer["trial"]["trial_id"] == "q" and answer["rung"] == 0
    assert answer["next"] == {"trial_id": "r", "miou_difference": pytest.approx(-0.02)}
    assert "measured at the first rung only (the proxy); no finalist is this fast" in (
        answer_text(answer)
    )


def test_a_limit_no_trial_meets_answers_none(staged):
    answer = answers(staged, [1.0])[1]
    assert answer["trial"] is None and answer["command"] is None
    assert answer_text(answer) == "Under the target 1 ms: no completed trial is this fast."


def test_without_a_paper_dpc_trial_only_the_targets_are_answered(staged):
    without_paper = staged[staged["preset"] != "paper-dpc"]
    assert [answer["limit"] for answer in answers(without_paper, [5.0])] == ["target 5 ms"]


def test_the_next_step_trains_the_answer_in_the_run_folder(staged, tmp_path):
    (answer,) = answers(staged, run_dir=tmp_path)
    assert answer["command"] == f"nas train --run {tmp_path} --trial a --out {tmp_path}/trained-a"


def test_summary_json_carries_the_answers(staged, tmp_path):
    write_run_report(tmp_path, staged, latency_targets=[3.0])
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [answer["limit"] for answer in summary["answers"]] == ["paper-dpc", "target 3 ms"]
    assert [answer["trial"]["trial_id"] for answer in summary["answers"]] == ["a", "q"]
    assert summary["answers"][0]["command"].startswith(f"nas train --run {tmp_path} ")


def test_results_show_prints_the_answers_after_the_counts(staged, tmp_path, capsys):
    write_trials(staged, tmp_path)
    write_search_options(SearchOptions(latency_target=(3.0,)), tmp_path)
    assert main(["results", "show", "--run", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"run {tmp_path}: 8 trials (7 completed, 1 failed)")
    assert lines[1].startswith("Under paper-dpc's latency (4.12 ms): trial a ")
    assert any(line.startswith("Under the target 3 ms: trial q ") for line in lines)


def paper_lines(axes):
    return [line for line in axes.get_lines() if line.get_label() == "paper-dpc 4.12 ms"]


def test_the_png_draws_each_rung_in_its_own_panel_with_paper_dpcs_latency(staged):
    panels = pareto_png_figure(staged).axes
    assert [axes.get_title() for axes in panels] == [
        "rung 0, the proxy (2 trials)",
        "finalists: last rung (5)",
    ]
    for axes in panels:
        (line,) = paper_lines(axes)
        assert list(line.get_xdata()) == [4.12, 4.12]


def test_an_unstaged_search_keeps_one_panel_with_the_subtitle():
    unstaged = as_table([trial("p", 0.5, 4.12, preset="paper-dpc"), trial("a", 0.4, 3.0)])
    figure = pareto_png_figure(unstaged, "Pareto front: run", subtitle="synthetic, on host")
    (axes,) = figure.axes
    assert len(paper_lines(axes)) == 1
    assert figure.get_suptitle() == "Pareto front: run\nsynthetic, on host"


def test_the_html_plot_has_one_panel_per_rung_and_paper_dpcs_latency(staged):
    figure = pareto_figure(staged, subtitle="camvid, latency on host at 360x480")
    panels = [note.text for note in figure.layout.annotations if "rung" in note.text]
    assert panels == ["rung 0, the proxy (2 trials)", "finalists: last rung (5)"]
    assert "camvid, latency on host at 360x480" in figure.layout.title.text
    assert {shape.x0 for shape in figure.layout.shapes} == {4.12}
    assert "paper-dpc 4.12 ms" in [note.text for note in figure.layout.annotations]


def test_the_plots_subtitle_names_the_dataset_device_and_deployment_size(tmp_path):
    assert search_subtitle("camvid:/data/camvid", "host", (360, 480)) == (
        "camvid, latency on host at 360x480"
    )
    write_search_options(SearchOptions(latency_input_size=(224, 224)), tmp_path)
    assert plot_subtitle(tmp_path) == "synthetic, latency on host at 224x224"
