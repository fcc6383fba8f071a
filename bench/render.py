"""Render the docs' benchmark figures from the results files the bench scripts write.

    .venv/bin/python bench/render.py [--check] [--results bench/results] [DOC.md ...]

Every block between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` in the
docs (``README.md`` and ``docs/*.md`` unless files are named) is rewritten from
``bench/results/NAME.json``, written by ``bench/NAME.py``: markdown tables, and a
line naming the command, date and machine that produced them. The README's blocks too. A block whose
script has no results file says to run it. ``--check`` rewrites nothing and exits
1 if any block differs from what the results render (a stale doc).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs"
BLOCK = re.compile(
    r"(?P<open><!-- bench:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(?P<close><!-- /bench:(?P=name) -->)", re.S
)

Record = dict[str, Any]


# Cells: short, and the same way everywhere.


def num(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f} %"


def times(value: float) -> str:
    return f"{value:.2f}×"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def provenance(record: Record) -> str:
    machine = record["machine"]
    date = record["date"].replace("T", " ")[:16] + " UTC"
    return (
        f"Produced by `{record['command']}` on {date}; {machine['implementation']} {machine['python']}, "
        f"{machine.get('system', machine['platform'])} {machine['machine']}, {machine['cpu_count']} CPUs."
    )


# One renderer a script: its figures as tables and short lines.


def render_filter(f: Record) -> str:
    rates = {row["key"]: row for row in f["rates"]}

    def rate(key: str) -> str:
        row = rates[key]
        return f"{num(row['per_second'])} comments/s ({num(row['us_each'])} µs each)"

    way = f["simulators_way"]
    rows = [
        (
            "word lists, stemmer and word frequencies in a fresh process, to the first verdict",
            f"{f['fresh_process']['mib']:.1f} MiB, {f['fresh_process']['seconds']:.2f} s",
        ),
        ("whole filter, rules alone, one core", rate("rules")),
        ("whole filter with the model, one at a time", rate("model_one_at_a_time")),
        ("learned model alone, one at a time", rate("model_alone")),
        ("learned model alone, in one batch", f"{num(f['model_in_one_batch']['per_second'])} comments/s"),
        ("verdicts given the batch's scores", rate("verdicts_given_scores")),
        ("whole filter with the model, in batch (scoring, then verdicts)", f"{num(f['model_in_batch']['per_second'])} comments/s"),
        (
            f"the simulator's way, two cores (batches of {way['batch']}, the next scored in a second process)",
            f"{num(way['per_second'])} comments/s, from the first batch's scores (after {way['first_batch_seconds']:.2f} s) "
            "to the last verdict",
        ),
        ("learned model: load time, memory added", f"{f['model']['load_seconds']:.2f} s, {f['model']['mib_added']:.1f} MiB"),
        ("our profanity check alone", rate("profanity_ours")),
        (
            f"`better_profanity.contains_profanity` (on {num(rates['better_profanity']['comments'])} of the comments)",
            rate("better_profanity"),
        ),
    ]  # fmt: skip
    per = {key: row["per_second"] for key, row in rates.items()}
    best_model = max(f["model_in_batch"]["per_second"], way["per_second"])
    return "\n\n".join(
        [
            f"{num(f['comments'])} comments of {num(f['length']['min'])}–{num(f['length']['max'])} characters "
            f"(median {num(f['length']['median'])}):",
            table(["measure", "result"], rows),
            *_render_replay(f),
            "Side by side in this run: the whole filter with the model, one at a time, takes "
            f"{times(per['rules'] / per['model_one_at_a_time'])} the time of the rules alone; the simulator's way is "
            f"{times(way['per_second'] / per['model_one_at_a_time'])} as fast as one at a time; our profanity check is "
            f"{num(per['profanity_ours'] / per['better_profanity'])}× as fast as better-profanity, and "
            f"{times(per['profanity_ours'] / f['better_profanity_rs_low_end'])} the low end of better-profanity-rs "
            f"(Rust; {num(f['better_profanity_rs_low_end'])} checks/s as its authors publish).",
            f"Targets: rules alone ≥ {num(f['targets']['rules_per_second'])}/s "
            f"({'met' if per['rules'] >= f['targets']['rules_per_second'] else 'not met'}); with the model in batch "
            f"≥ {num(f['targets']['model_in_batch_per_second'])}/s "
            f"({'met' if best_model >= f['targets']['model_in_batch_per_second'] else 'not met'}); "
            f"≤ {f['targets']['model_ms_each']} ms a comment one at a time "
            f"({'met' if 1000 / per['model_one_at_a_time'] <= f['targets']['model_ms_each'] else 'not met'}); "
            f"word lists ≤ {f['targets']['fresh_mib']} MiB and ≤ {f['targets']['fresh_seconds']} s "
            f"({'met' if f['fresh_process']['mib'] <= f['targets']['fresh_mib'] and f['fresh_process']['seconds'] <= f['targets']['fresh_seconds'] else 'not met'}).",
        ]
    )  # fmt: skip


def _render_replay(f: Record) -> list[str]:
    """The whole filter through the replay path (issue 28), where the results have it."""
    replay = f.get("replay")
    if replay is None:
        return []
    two, one, theirs = replay["two_cores"], replay["one_core"], replay["better_profanity"]
    target = replay["target_per_second"]

    def run(r: Record) -> str:
        return (
            f"{num(r['per_second'])} comments/s ({num(1e6 / r['per_second'])} µs each); "
            f"{num(r['whole_per_second'])}/s over the whole run, start-up included"
        )

    rows = [
        ("two cores, as the simulator runs (the next batch scored in a second process)", run(two)),
        ("one core (every batch scored in the same process)", run(one)),
        (
            f"`better_profanity.contains_profanity` alone, on {num(theirs['comments'])} of the same comments",
            f"{num(theirs['per_second'], 1)} comments/s",
        ),
    ]
    best = max(two["per_second"], one["per_second"])
    return [
        f"The whole filter through the replay path, as `simulate --replay FILE --dry-run` runs it: "
        f"{num(replay['comments'])} comments of {num(replay['length']['min'])}–{num(replay['length']['max'])} "
        f"characters (median {num(replay['length']['median'])}), a third of them replies, read by "
        "`simulation.replay.read_records` and judged by `lab.runner.run_pipeline` with the dry run's sink, the "
        "learned model included, each with the context the stream so far gives it; from the first batch's verdicts "
        f"to the last (start-up left out), best of {replay['repeat']}:",
        table(["through the replay path", "result"], rows),
        f"Target (issue 28): ≥ {num(target)} comments/s through the replay path "
        f"({'met' if best >= target else 'not met'}: {num(best)}/s, "
        f"{num(two['per_second'] / theirs['per_second'])}× better-profanity's rate on the same texts).",
    ]


def render_post(f: Record) -> str:
    limits = f.get("rate_limits")
    said = (
        f"rate limits on ({limits['per_ip']} an address, {limits['per_email']} a mailbox; each post a new reader's)"
        if limits
        else "rate limits off"
    )
    lines = [
        f"{f['posts']} posts per story through the comment form's view, {said}; "
        f"{DATABASES.get(f['database'], f['database'])}, cache: {f.get('cache', 'local memory')}"
        + (
            f" (at most {f['redis_round_trips']} round trip{'s' if f['redis_round_trips'] != 1 else ''} to it a post)"
            if f.get("redis_round_trips") is not None
            else ""
        )
        + ". Median server time:"
    ]
    for shape, s in f["shapes"].items():
        shadow = s.get("shadow_over_live") is not None
        # The processor time the server's process spent on a post (recorded since 2026-12-07): the rest is waiting.
        cpu = all("cpu_ms" in row for row in s["rows"])
        header = ["comments on the story", "ms per post"] + (["of it processor"] if cpu else []) + ["queries per post"]
        if shadow:
            header += ["with a shadow: ms", "queries"]
        rows = []
        for row in s["rows"]:
            cells = [num(row["comments"]), f"{row['ms']:.1f}"]
            cells += [f"{row['cpu_ms']:.1f}"] if cpu else []
            cells += [str(row["queries"])]
            if shadow:
                cells += [f"{row['shadow_ms']:.1f}", str(row["shadow_queries"])]
            rows.append(cells)
        sizes = [row["comments"] for row in s["rows"]]
        lines += [
            f"**{SHAPE_NAMES.get(shape, shape)}**:",
            table(header, rows),
            f"{num(sizes[-1])} / {num(sizes[0])}: {times(s['largest_over_smallest'])} "
            f"(target ≤ {f['targets']['largest_over_smallest']}×); slowest {s['slowest_ms']:.1f} ms a post "
            f"(target ≤ {f['targets']['largest_ms']} ms). Same query count at every size: "
            f"{'yes' if s['same_query_count'] else 'no'}."
            + (f" With a shadow / without, median over the sizes: {times(s['shadow_over_live'])}." if shadow else ""),
        ]  # fmt: skip
    return "\n\n".join(lines)


SORT_NAMES = {"oldest": "oldest", "newest": "newest", "replies": "most replies"}
SHAPE_NAMES = {
    "conversation": "Every comment a reader's, published and in the conversation",
    "few-in-conversation": "Few in the conversation (most imported, held, taken down, simulated or off-topic)",
}


def render_page(f: Record) -> str:
    sorts = f["sorts"]
    lines = [
        f"First page ({f['threads_per_page']} threads), median of {f['repeat']} requests, in ms "
        f"({DATABASES.get(f['database'], f['database'])}):"
    ]
    for shape, s in f["shapes"].items():
        rows = [[num(row["comments"]), *(f"{row['sorts'][t]['ms']:.1f}" for t in sorts)] for row in s["rows"]]
        top, base = s["rows"][-1]["comments"], s["rows"][0]["comments"]
        rows.append([f"{num(top)} / {num(base)}", *(times(s["largest_over_smallest"][t]["ratio"]) for t in sorts)])
        queries = sorted({row["sorts"][t]["queries"] for row in s["rows"] for t in sorts})
        if len(queries) == 1:
            said = f"{queries[0]} queries at every size and sort."
        else:
            said = (
                "Queries: "
                + "; ".join(
                    f"{num(row['comments'])}: " + ", ".join(f"{row['sorts'][t]['queries']}" for t in sorts)
                    for row in s["rows"]
                )
                + " (in the columns' order)."
            )
        weights = [w["bytes_per_comment"] for w in s["page_weight"]]
        low, high = min(weights), max(weights)
        weight = f"{num(low)}" if round(low) == round(high) else f"{num(low)}–{num(high)}"
        lines += [
            f"**{SHAPE_NAMES.get(shape, shape)}**:",
            table(["comments", *(SORT_NAMES.get(t, t) for t in sorts)], rows),
            f"{said} Target for the largest / smallest: ≤ {f['targets']['largest_over_smallest']}×. "
            f"Page weight: {weight} bytes of markup per comment beyond its name and text.",
        ]
    return "\n\n".join(lines)


FAULT_NAMES = {
    "none": "plain",
    "kill-worker": "worker killed",
    "kill-db": "connections cut",
    "kill-redis": "Redis killed, left down",
    "slow-bodies": "slow clients, behind nginx",
    "kill-server": "one server killed",
}


def render_load(f: Record) -> str:
    def ms(part: Record) -> str:
        return "–" if part["p50_ms"] is None else f"{num(part['p50_ms'])} / {num(part['p99_ms'])} ms"

    rows = []
    slow_runs = [run for run in f["runs"] if run["fault"] == "slow-bodies"]
    for run in f["runs"]:
        fault = FAULT_NAMES.get(run["fault"], run["fault"])
        if len(run["faults"]) > 1:
            fault += f" ({len(run['faults'])}×)"
        rows.append(
            [
                fault,
                run["database"],
                num(run["requests"]),
                num(run["requests_per_second"]),
                ms(run["posts"]),
                ms(run["reads"]),
                f"{num(run['accepted'])} / {num(run['stored'])}",
                f"{run['missing']} / {run['stored_twice']}",
                str(run["errors_5xx"]),
                "OK" if run["ok"] else "FAILED",
            ]
        )
    header = [
        "run", "database", "requests", "req/s", "posting p50 / p99", "reading p50 / p99",
        "accepted / stored", "lost / doubled", "5xx", "check",
    ]  # fmt: skip
    lines = [
        f"{f['clients']} clients × up to {f['posts_per_client']} posts each (stopping after {f['seconds_cap']:.0f} s), "
        f"gunicorn with {f['workers']} workers, loopback only"
        + ("; the slow-client runs behind nginx, as `dev.py prod` serves:" if slow_runs else ":"),
        table(header, rows),
    ]
    notes = []
    for run in f["runs"]:
        if run["fault"] == "none":
            continue
        if run["fault"] == "slow-bodies":
            slow, bare = run["slow"], run["without_front"]
            notes.append(
                f"- slow clients, {run['database']}: served as `dev.py prod` serves, nginx (`deploy/nginx.conf`) in "
                f"front of gunicorn. For the whole run {slow['bodies']} clients sent a comment's body a byte a second "
                f"and {slow['heads']} more their request head a byte a second: {num(slow['connections'])} connections, "
                f"{num(slow['cut_off'])} cut off by nginx, {num(slow['bytes'])} bytes trickled. The readers meanwhile: "
                f"page p50 / p99 {ms(run['reads'])}, 5xx: {run['errors_5xx']}. Without the front, the same slow "
                f"clients straight at gunicorn: the page answered {bare['answered']} of {bare['tries']} tries within "
                f"{bare['timeout_s']:.0f} s."
            )
            continue
        what = "; ".join(run["faults"]) or "no fault struck (the run ended first)"
        after = ", ".join(f"{k}: {v}" for k, v in (run["after_fault_statuses"] or {}).items()) or "none"
        notes.append(
            f"- {FAULT_NAMES.get(run['fault'], run['fault'])}, {run['database']}: {what}. Statuses after the first "
            f"fault: {after}; requests resent after a dropped connection: {run['resent']}; never answered: "
            f"{run['never_answered']}; 5xx: {run['errors_5xx']} ({run['failed_posts_5xx']} of them posts)."
            + (
                f" {run['stored'] - run['accepted']} comments were stored whose post was not answered as accepted."
                if run["stored"] > run["accepted"]
                else ""
            )
        )
    notes += [
        f"- {s['database']}, {FAULT_NAMES.get(s['fault'], s['fault'])}: skipped ({s['why']})." for s in f["skipped"]
    ]
    doubled = sorted({run["double_sent"] for run in f["runs"]})
    replies = sorted({run["replies"] for run in f["runs"]})
    bad = sum(run["bad_threads"] for run in f["runs"])
    lines.append(
        f"Double-sent forms per run: {', '.join(map(str, doubled))}; replies stored per run: "
        f"{', '.join(map(str, replies))}; replies with a wrong thread root or depth, all runs: {bad}. "
        + ("Every run passed its check." if f["ok"] else "Not every run passed its check.")
    )
    if notes:
        lines.append("\n".join(notes))
    return "\n\n".join(lines)


def render_load_servers(f: Record) -> str:
    """``bench/load.py --servers N``: the load runs, then the checks that only several servers can fail."""

    def ms(part: Record) -> str:
        return "–" if part["p50_ms"] is None else f"{num(part['p50_ms'])} / {num(part['p99_ms'])} ms"

    def ok(value: bool) -> str:
        return "OK" if value else "FAILED"

    rows = []
    for run in f["runs"]:
        judged = [c for c in run["rate_limits"] if c["judged"]]
        queue = run["queue"]
        rows.append(
            [
                FAULT_NAMES.get(run["fault"], run["fault"]),
                num(run["requests"]),
                " / ".join(num(n) for n in run["by_server"]),
                ms(run["posts"]),
                f"{num(run['accepted'])} / {num(run['stored'])}",
                f"{run['missing']} / {run['stored_twice']}",
                str(run["errors_5xx"]),
                f"{sum(c['ok'] for c in judged)} of {len(judged)}",
                f"{ok(run['controls']['ban']['ok'])} / {ok(run['controls']['pause']['ok'])}",
                f"{num(queue['emails'] - queue['unsent'])} of {num(queue['emails'])}",
                ok(run["ok"]),
            ]
        )
    header = [
        "run", "requests", "by server", "posting p50 / p99", "accepted / stored", "lost / doubled", "5xx",
        "rate limits", "ban / pause", "emails sent", "check",
    ]  # fmt: skip
    lines = [
        f"{f['servers']} app servers (gunicorn, {f['workers']} workers each, its own port and folder) and the "
        f"task-queue worker, sharing PostgreSQL, Redis and `SECRET_KEY`; {f['clients']} clients × up to "
        f"{f['posts_per_client']} posts each, every request to the next server (a form read from one is posted to "
        f"another), loopback only:",
        table(header, rows),
    ]
    first = f["runs"][0]
    limits = [
        f"{c['what']}: {c['let_through']} of {c['sent']} let through" + ("" if c["judged"] else " (not judged)")
        for c in first["rate_limits"]
    ]
    notes = [
        f"- Rate limits ({f['limit']} posts an hour per address and per email), before the load, "
        f"{FAULT_NAMES.get(first['fault'], first['fault'])} run: " + "; ".join(limits) + ".",
        f"- A ban made in the admin on one server: the reader's next post refused by every server "
        f"({', '.join(map(str, first['controls']['ban']['after']))}). The site paused there: forms already open "
        f"refused on every server ({', '.join(map(str, first['controls']['pause']['while_paused']))}), and taken "
        f"again once it was resumed on another ({', '.join(map(str, first['controls']['pause']['after']))}).",
    ]
    for run in f["runs"]:
        if run["fault"] == "none":
            continue
        after = ", ".join(f"{k}: {v}" for k, v in (run["after_fault_statuses"] or {}).items()) or "none"
        notes.append(
            f"- {FAULT_NAMES.get(run['fault'], run['fault']).capitalize()}: "
            f"{'; '.join(run['faults']) or 'no fault struck'}. "
            f"Statuses after it: {after}; requests resent to the other server after a dropped connection: "
            f"{run['resent']}; never answered: {run['never_answered']}; 5xx: {run['errors_5xx']}"
            + (
                " (posts whose database connection was cut: their form comes back to be sent again)."
                if run["fault"] == "kill-db" and run["errors_5xx"]
                else "."
            )
            + (
                f" Stored, though its post was not answered as accepted: {run['stored'] - run['accepted']}."
                if run["stored"] > run["accepted"]
                else ""
            )
        )
    drained = "; ".join(
        f"{num(r['queue']['emails'] - r['queue']['unsent'])} of {num(r['queue']['emails'])} emails sent, "
        f"{r['queue']['due']} tasks left due, {r['queue']['seconds']:.0f} s after the load ended "
        f"({FAULT_NAMES.get(r['fault'], r['fault'])})"
        for r in f["runs"]
    )
    notes.append(
        f"- Double-sent forms, the two copies to two servers at once: {', '.join(str(r['double_sent']) for r in f['runs'])} "
        f"a run; posts stored twice, all runs: {sum(r['stored_twice'] for r in f['runs'])}. The task-queue worker "
        f"(the emails the posts queued): {drained}. "
        + ("Every run passed its checks." if f["ok"] else "Not every run passed its checks.")
    )
    lines.append("\n".join(notes))
    return "\n\n".join(lines)


def render_simulate(f: Record) -> str:
    rows = []
    for run in f["runs"]:
        how = "`--dry-run`, " if run["run"] == "dry run" else "through the database, "
        how += "with the learned model" if run["model"] else "rules alone"
        target = run.get("target_seconds")
        memory = run.get("peak_all_mb")
        rows.append(
            [
                num(run["comments"]),
                how,
                f"{run['seconds']:.1f} s",
                num(run["per_second"]),
                "-" if memory is None else f"{memory:,.0f} MB ({run['peak_process_mb']:,.0f} MB)",
                "; ".join(
                    part
                    for part in (
                        f"< {target:,.0f} s ({'met' if run['seconds'] < target else 'not met'})" if target else "",
                        f"< {run['target_mb']} MB ({'met' if memory < run['target_mb'] else 'not met'})"
                        if memory is not None and run.get("target_mb")
                        else "",
                    )
                    if part
                )
                or "-",
            ]
        )
    ratio = f["per_comment_cost_ratio"]
    dry = {(r["comments"], r["model"]): r["seconds"] for r in f["runs"] if r["run"] == "dry run"}
    large = ratio["large"]
    rules = [r for r in f["runs"] if r["run"] == "dry run" and not r["model"]]
    rules_share = (
        dry[(rules[0]["comments"], False)] / dry[(rules[0]["comments"], True)]
        if rules and (rules[0]["comments"], True) in dry
        else None
    )
    return "\n\n".join(
        [
            table(
                ["comments", "run", "time", "comments/s", "peak memory, all processes (largest one)", "target"], rows
            ),
            f"Cost per comment at {num(large)} / at {num(ratio['small'])}, dry run: {times(ratio['ratio'])} "
            f"(target ≤ {ratio['target']}×)."
            + (
                f" Rules alone / with the model, {num(rules[0]['comments'])} dry: {times(rules_share)} the time."
                if rules_share
                else ""
            )
            + f" Comments stored by the database run: {num(f['stored_by_database_run'])}.",
        ]
    )


SOURCES = {"olid2019": "OLID 2019", "hatexplain": "HateXplain", "davidson2017": "Davidson 2017"}
FAMILY_NAMES = {"abusive": "abusive", "off_topic": "off-topic", "spam": "spam"}


def render_evaluate(f: Record) -> str:
    variants = f["public"]["variants"]
    if not variants:
        return render_own_set(f)
    with_model = "model" in variants
    rules = {row["source"]: row for row in variants["rules"]}
    main = variants["model"] if with_model else variants["rules"]
    leak_at = " / ".join(f"{rate * 100:.0f}" for rate in f["public"]["leak_at"])
    header = ["data", "comments", "AUC model", "AUC rules", "AUC combined"]
    header += ["precision / recall, with the model"] if with_model else []
    header += ["precision / recall, rules alone", f"abusive published when {leak_at} % of clean are held"]
    rows = []
    for row in main:
        r = rules[row["source"]]
        cells = [
            f"{SOURCES.get(row['source'], row['source'])}, {row.get('records', 'test split')}",
            num(row["comments"]),
            "–" if row["auc_model"] is None else f"{row['auc_model']:.3f}",
            f"{row['auc_rules']:.3f}",
            f"{row['auc_combined']:.3f}" if with_model else "–",
        ]
        if with_model:
            cells.append(f"{pct(row['precision'])} / {pct(row['recall'])}")
        cells.append(f"{pct(r['precision'])} / {pct(r['recall'])}")
        cells.append(" / ".join(pct(v, 0) for v in row["leak_at_clean_held"].values()))
        rows.append(cells)
    files = ", ".join(f"`{name}`" for name in f["public"]["files"])
    what = f"validation records of {files}" if f["public"].get("split") == "val" else f"data never trained on ({files})"
    return "\n\n".join(
        [
            f"Public {what}, default policy, no article context; the leak column goes by "
            + ("the model's" if with_model else "the rules'")
            + " score"
            + (f"; model {f['model']}" if f["model"] else "")
            + ":",
            table(header, rows),
            *(
                [
                    "The shipped model was refit on these validation records once its thresholds were chosen on "
                    "them, so its columns are in-sample (the rules' are not); the held-out model's validation AUC "
                    f"at training was {f['public']['held_out_val'].get('auc')}. The test splits are in the "
                    "[release results](benchmarks.md#releases)."
                ]
                if f["public"].get("model_in_sample")
                else []
            ),
            render_own_set(f),
        ]
    )


def render_own_set(f: Record) -> str:
    own = f["own_set"]
    own_variants = own["variants"]
    own_header = ["reason family"]
    for name in own_variants:
        how = "with the model" if name == "model" else "rules alone"
        own_header += [f"fired, {how}", "precision", "recall"]
    own_rows = []
    for family in next(iter(own_variants.values()))["families"]:
        cells = [FAMILY_NAMES.get(family, family)]
        for report in own_variants.values():
            c = report["families"][family]
            cells += [str(c["tp"] + c["fp"]), pct(c["precision"]), pct(c["recall"])]
        own_rows.append(cells)
    blocked = "; ".join(
        f"{pct(r['clean_blocked_rate'])} {'with the model' if name == 'model' else 'with the rules alone'}"
        for name, r in own_variants.items()
    )
    leaked = "; ".join(
        f"{pct(r['leak_rate'])} {'with the model' if name == 'model' else 'with the rules alone'}"
        for name, r in own_variants.items()
    )
    return "\n\n".join(
        [
            f"Our own set (`{own['file']}`, {num(own['comments'])} comments, with the article as context), "
            "default policy:",
            table(own_header, own_rows),
            f"Clean comments held or rejected: {blocked}. Abusive comments published: {leaked}.",
        ]
    )


def render_topic(f: Record) -> str:
    held = f["held_out"]
    rows = [
        [f"{b['low']:.1f}–{b['high']:.1f}", str(b["probes"]), f"{b['predicted']:.2f}", f"{b['observed']:.2f}"]
        for b in held["reliability"]
    ]
    own = f["own_set"]
    return "\n\n".join(
        [
            f"{num(f['probes'])} probes from {len(f['topics'])} topics; the map fitted on {', '.join(f['fitted_on'])} "
            f"(slope {f['fitted_map']['slope']:.2f}, intercept {f['fitted_map']['intercept']:.2f}; in use "
            f"{f['in_use'][0]}, {f['in_use'][1]}). On the {held['probes']} probes of the topics held out from the fit "
            f"({held['judged']} long enough to judge): AUC {held['auc']:.3f}. At the default policy (hold at "
            f"P(off-topic) ≥ {held['threshold']}, prior {pct(held['prior'], 0)}), {pct(held['genuine_held'])} of "
            f"genuine probes and {pct(held['foreign_held'])} of foreign ones are held"
            + (
                f"; published and flagged (from {held['flag_at']}): {pct(held['genuine_flagged'])} of genuine, "
                f"{pct(held['foreign_flagged'])} of foreign."
                if "flag_at" in held
                else "."
            ),
            "Reliability at even odds, held-out topics:",
            table(["predicted chance off-topic", "probes", "predicted (mean)", "observed share"], rows),
            f"Our own set (written here, so kinder to the check): AUC {own['auc']:.3f}; genuine comments held for "
            f"topic {pct(own['genuine_held'])} of {own['genuine']}, off-topic chatter held {pct(own['off_topic_held'])} "
            + (f"and flagged {pct(own['off_topic_flagged'])} " if "off_topic_flagged" in own else "")
            + f"of {own['off_topic']}.",
        ]
    )


def render_api_pages(f: Record) -> str:
    sorts = f["sorts"]
    lines = [
        f"First page, median of {f['repeat']} requests, server time and SQL queries "
        f"({DATABASES.get(f['database'], f['database'])}):"
    ]
    for shape, s in f["shapes"].items():
        rows = [
            [
                row["kind"],
                num(row["comments"]),
                *(f"{row['sorts'][t]['ms']:.1f} ms, {row['sorts'][t]['queries']} q" for t in sorts),
            ]
            for row in s["rows"]
        ]
        ratios = s["api_largest_over_smallest"]
        sizes = sorted({row["comments"] for row in s["rows"]})
        lines += [
            f"**{SHAPE_NAMES.get(shape, shape)}**:",
            table(["", "comments", *(SORT_NAMES.get(t, t) for t in sorts)], rows),
            f"API, {num(sizes[-1])} / {num(sizes[0])}: "
            + ", ".join(f"{SORT_NAMES.get(t, t)} {times(ratios[t]['ratio'])}" for t in sorts)
            + f" (goal ≤ {f['targets']['largest_over_smallest']}×); the same query count at every size: "
            + ("yes" if all(ratios[t]["same_query_count"] for t in sorts) else "no")
            + ". The response at the largest size weighs "
            + ", ".join(f"{SORT_NAMES.get(t, t)} {times(ratios[t]['bytes_ratio'])}" for t in sorts)
            + " the smallest's.",
        ]
    return "\n\n".join(lines)


def render_embed(f: Record) -> str:
    def rows(parts: dict[str, Any]) -> list[list[str]]:
        return [
            [name, num(p["bytes"] / 1024, 1), num(p["gzip"] / 1024, 1), str(p["queries"])] for name, p in parts.items()
        ]

    paint = f.get("first_paint_ms") or {}
    said = (
        f"First comment in the page with its styles, median of first visits in Chromium on loopback: embedded "
        f"{num(paint['embed'])} ms, our own page {num(paint['page'])} ms."
        if paint
        else "First paint not measured (no Chromium on the machine that ran it)."
    )
    return "\n\n".join(
        [
            f"A story of {num(f['comments'])} comments; KB transferred, gzip as a web server sends it ({f['database']}):",
            table(["embedded", "KB", "KB gzip", "queries"], rows(f["embed"])),
            table(["our article page", "KB", "KB gzip", "queries"], rows(f["page"])),
            f"In all: embedded {num(f['embed_gzip_total'] / 1024, 1)} KB gzip (goal under {f['goal_gzip_kb']} KB), "
            f"our page {num(f['page_gzip_total'] / 1024, 1)} KB. {said}",
        ]
    )


def render_releases(f: Record) -> str:
    def auc(entry: Record, source: str) -> str:
        row = entry["summary"]["abuse"].get(source)
        return "–" if row is None else f"{row['auc_combined']:.3f}"

    def spam(entry: Record) -> str:
        s = entry["summary"]["spam"]
        return f"{pct(s['spam_called_spam'] / s['spam'])} / {pct(s['clean_called_spam'] / s['clean'])}"

    def topic(entry: Record) -> str:
        t = entry["summary"]["topic"]
        caught = t["foreign_held"] + t["foreign_flagged"]
        return f"{t['auc']:.3f} / {pct(t['genuine_held'])} / {pct(caught)}"

    header = ["release", "date", "commit", "abuse AUC: HateXplain", "OLID 2019", "Davidson 2017"]
    header += [
        "spam called spam / clean called spam",
        "highlights F1",
        "topic AUC / genuine held / misplaced held or flagged",
    ]
    rows = [
        [
            entry["version"],
            entry["date"][:10],
            f"`{entry['commit']}`" + (" (+ changes)" if entry.get("uncommitted_changes") else ""),
            auc(entry, "hatexplain"),
            auc(entry, "olid2019"),
            auc(entry, "davidson2017"),
            spam(entry),
            f"{entry['summary']['highlights']['f1']:.3f}",
            topic(entry),
        ]
        for entry in f["releases"]
    ]
    return (
        "Each release's public test splits, run once (abuse AUC of the model and rules combined; spam on the "
        "YouTube test part; highlights: character F1 on HateXplain's marked words; topic on the held-out topics):"
        "\n\n"
        + table(header, rows)
        + "".join(f"\n\n{entry['version']}: {entry['note']}" for entry in f["releases"] if entry.get("note"))
    )


def render_release_latest(f: Record) -> str:
    entry = f["releases"][-1]
    s = entry["summary"]
    abuse = ", ".join(f"{SOURCES.get(source, source)} {row['auc_combined']:.3f}" for source, row in s["abuse"].items())
    spam, t = s["spam"], s["topic"]
    return (
        f"Release {entry['version']} ({entry['date'][:10]}), on public test splits run once: abuse AUC {abuse}; "
        f"{pct(spam['spam_called_spam'] / spam['spam'])} of test spam called spam, "
        f"{pct(spam['clean_called_spam'] / spam['clean'])} of clean comments; highlight F1 "
        f"{s['highlights']['f1']:.3f}; topic, on held-out topics: {pct(t['genuine_held'])} of genuine comments held, "
        f"{pct(t['foreign_held'] + t['foreign_flagged'])} of misplaced ones held or flagged "
        f"({pct(t['genuine_flagged'])} of genuine ones flagged). "
        "Every release: [bench/results/releases.json](bench/results/releases.json)."
    )


def render_learning(f: Record) -> str:
    rows = [
        [
            num(point["decisions"]),
            f"{f['base_auc']:.3f}",
            f"{point['auc_mean']:.3f}",
            f"+{point['lift_mean']:.3f} ({point['lift_min']:+.3f} to {point['lift_max']:+.3f})",
            f"{point['stage_kept']} of {len(point['runs'])}",
        ]
        for point in f["curve"]
    ]
    lines = [
        f"The site: {f['site']} ({num(f['site_pool'])} posts to draw decisions from, {num(f['held_out'])} held out, "
        f"{num(f['held_out_abusive'])} of them abusive). The base model: {f['base_trained_on']}. "
        f"{f['seeds']} draws of decisions each:",
        table(
            ["own decisions", "AUC, base model", "AUC, with the site's stage", "lift (range)", "stage kept"],
            rows,
        ),
    ]
    if f.get("retrained"):
        retrained = "; ".join(f"weight {r['weight']:g}: {r['lift']:+.3f}" for r in f["retrained"])
        lines.append(
            f"Retraining the whole model with the first draw's {num(f['retrained'][0]['decisions'])} decisions added to the public "
            f"sets instead, by the weight given to each decision: {retrained}."
        )
    return "\n\n".join(lines)


DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def render_comment_import(f: Record) -> str:
    return (
        f"A synthetic {num(f['export_megabytes'])} MB Disqus export ({num(f['posts'])} posts in {num(f['threads'])} "
        f"threads, a tenth of the replies listed before the comment they answer) imported into {DATABASES[f['database']]} "
        f"in {num(f['seconds'])} s: {num(f['comments_per_second'])} comments a second, at "
        f"{num(f['peak_memory_mb'])} MB peak memory (the importing process's, from the kernel)."
    )


RENDERERS: dict[str, Callable[[Record], str]] = {
    "comment_import-sqlite": render_comment_import,
    "comment_import-postgresql": render_comment_import,
    "learning": render_learning,
    "releases": render_releases,
    "release-latest": render_release_latest,
    "api_pages-sqlite": render_api_pages,
    "api_pages-postgresql": render_api_pages,
    "embed": render_embed,
    "filter": render_filter,
    "post-sqlite": render_post,
    "post-postgresql": render_post,
    "page-sqlite": render_page,
    "page-postgresql": render_page,
    "load": render_load,
    "load-servers": render_load_servers,
    "simulate": render_simulate,
    "evaluate": render_evaluate,
    "topic": render_topic,
}


# Blocks that show another part of a results file.
SOURCE_OF = {"release-latest": "releases"}
# The script behind a results file, where the file is not named after it.
SCRIPT_OF = {
    "comment_import-sqlite": "comment_import",
    "comment_import-postgresql": "comment_import",
    "load-servers": "load",
    **{f"{script}-{database}": script for script in ("post", "page", "api_pages") for database in DATABASES},
}


def render_block(name: str, results: Path) -> str:
    """The body of block ``name``, from ``results/name.json``, ending in a newline."""
    path = results / f"{SOURCE_OF.get(name, name)}.json"
    run = f"`.venv/bin/python bench/{SCRIPT_OF.get(name, SOURCE_OF.get(name, name))}.py`"
    if not path.is_file():
        return f"_No results yet: run {run}, then `.venv/bin/python bench/render.py`._\n"
    if name not in RENDERERS:
        return f"_No renderer for `{name}` in `bench/render.py`._\n"
    record = json.loads(path.read_text(encoding="utf-8"))
    return f"{RENDERERS[name](record['figures'])}\n\n_{provenance(record)}_\n"


def rendered(text: str, results: Path) -> str:
    return BLOCK.sub(lambda m: m["open"] + render_block(m["name"], results) + m["close"], text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a block is stale")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the results files are")
    parser.add_argument("docs", nargs="*", type=Path, help="markdown files (default: docs/*.md)")
    args = parser.parse_args()
    docs = args.docs or [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    stale = []
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        new = rendered(text, args.results)
        blocks = [m["name"] for m in BLOCK.finditer(text)]
        if new == text:
            if blocks:
                print(f"{doc}: up to date ({', '.join(blocks)})")
            continue
        changed = [
            m["name"] for m, n in zip(BLOCK.finditer(text), BLOCK.finditer(new), strict=True) if m["body"] != n["body"]
        ]
        if args.check:
            stale.append(doc)
            print(f"{doc}: stale ({', '.join(changed)}); run .venv/bin/python bench/render.py")
            sys.stdout.writelines(
                difflib.unified_diff(text.splitlines(True), new.splitlines(True), str(doc), "rendered", n=1)
            )
        else:
            doc.write_text(new, encoding="utf-8")
            print(f"{doc}: rewrote {', '.join(changed)}")
    if stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
