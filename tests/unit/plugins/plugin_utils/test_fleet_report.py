# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report: what site recorded per host, as data and as Markdown."""

from __future__ import annotations

import json

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report as fr


def gpu(used, free, procs, supported=True):
    return {
        "index": 0,
        "name": "NVIDIA GeForce GTX 970",
        "uuid": "GPU-1",
        "memory_total_mib": 4096,
        "memory_used_mib": used,
        "memory_free_mib": free,
        "processes_supported": supported,
        "processes": procs,
    }


XORG = {
    "pid": 900,
    "name": "/usr/lib/xorg/Xorg",
    "type": "graphics",
    "used_memory_mib": 431,
    "unit": "display-manager.service",
}
SHELL = {
    "pid": 950,
    "name": "/usr/bin/gnome-shell",
    "type": "graphics",
    "used_memory_mib": 229,
    "unit": "display-manager.service",
}
OLLAMA = {
    "pid": 700,
    "name": "/usr/local/bin/ollama",
    "type": "compute",
    "used_memory_mib": 300,
    "unit": "ollama.service",
}
WEBUI = {
    "ui": "a1111",
    "configured": True,
    "gpu": 0,
    "memory_mode": "none",
    "memory_reason": "4029 MiB free",
    "url": "http://127.0.0.1:7860/",
}


def record(**extra):
    base = {
        "before": {"backend": "nvml", "gpus": [gpu(701, 3329, [SHELL, XORG])]},
        "after": {"backend": "nvml", "gpus": [gpu(1, 4029, [])]},
        "gpu_plan": {"reason": "GPU 0 is the only GPU"},
        "desktop_stopped": True,
        "webui": WEBUI,
        "failure": None,
    }
    base.update(extra)
    return base


def test_a_host_with_its_gpu_before_and_after():
    report = fr.build({"sd-970": record()})
    entry = report["hosts"]["sd-970"]
    assert (report["version"], report["failed"], entry["status"], entry["backend"]) == (1, [], "ok", "nvml")
    (card,) = entry["gpus"]
    assert (card["total_mib"], card["before"]["used_mib"], card["after"]["free_mib"]) == (4096, 701, 4029)
    # Largest holder first, names without their folder, desktop's holders marked.
    assert card["before"]["holders"] == [
        {"pid": 900, "name": "Xorg", "used_mib": 431, "unit": "display-manager.service", "desktop": True},
        {"pid": 950, "name": "gnome-shell", "used_mib": 229, "unit": "display-manager.service", "desktop": True},
    ]
    assert card["after"]["holders"] == []
    assert entry["desktop"] == {"stopped": True, "reason": "GPU 0 is the only GPU"}
    assert entry["webui"] == WEBUI


def test_a_compute_job_is_not_the_desktops():
    report = fr.build({"h": record(after={"backend": "nvml", "gpus": [gpu(301, 3729, [OLLAMA])]})})
    assert report["hosts"]["h"]["gpus"][0]["after"]["holders"][0]["desktop"] is False


def test_failed_and_unmeasured_hosts():
    fleet = {
        "down": {"before": None, "after": None, "failure": None},
        "broken": record(failure={"task": "Wait for the web UI to answer", "msg": "does not answer"}, webui=None),
        "nas": record(before={"backend": "none", "gpus": []}, after={"backend": "none", "gpus": []}),
    }
    report = fr.build(fleet)
    assert report["failed"] == ["broken"]
    assert report["hosts"]["down"]["gpus"] == [] and report["hosts"]["down"]["backend"] is None
    text = fr.markdown(report)
    assert "- **broken**: does not answer (task: Wait for the web UI to answer)" in text
    assert "| nas | no GPU found | - | - | - | - | - | - |" in text
    assert "| broken | - | - | not run | - | - | - |" in text


def test_markdown_rows_and_escaping():
    text = fr.markdown(fr.build({"sd|970": record()}))
    assert (
        "| sd\\|970 | 0: NVIDIA GeForce GTX 970 | 4096 MiB | 701 MiB | 1 MiB | 4029 MiB "
        "| Xorg 431 MiB, gnome-shell 229 MiB | none |"
    ) in text
    assert "| sd\\|970 | a1111 | 0 | none | 4029 MiB free | http://127.0.0.1:7860/ | - |" in text
    assert "Failed hosts" not in text


def test_a_gpu_without_a_process_list_says_so():
    rec = record(before={"backend": "nvidia_smi", "gpus": [gpu(178, 3852, [], supported=False)]})
    assert "(not listed by the driver)" in fr.markdown(fr.build({"old": rec}))


def test_site_records_pick_what_site_set_and_tolerate_the_rest():
    hostvars = {
        "h": {
            "vramfree_vram_before": {"gpus": []},
            "vramfree_vram_after": {"gpus": [1]},
            "webui_result": WEBUI,
            "inventory_hostname": "h",
        },
        "down": {"inventory_hostname": "down"},
    }
    assert fr.site_records(hostvars, ["h", "down"]) == {
        "h": {
            "before": {"gpus": []},
            "after": {"gpus": [1]},
            "gpu_plan": None,
            "desktop_stopped": None,
            "webui": WEBUI,
            "proxy": None,
            "host": "h",
            "failure": None,
            "lost_on": None,
        },
        "down": {
            "before": None,
            "after": None,
            "gpu_plan": None,
            "desktop_stopped": None,
            "webui": None,
            "proxy": None,
            "host": "down",
            "failure": None,
            "lost_on": None,
        },
    }


def test_a_host_that_left_the_play_without_a_failure_is_reported_unreachable():
    # A host stopped mid-run records no vramfree_failure (rescue does not catch
    # unreachable): without ``reached`` it passed for a host that finished.
    hostvars = {
        "ok": {"vramfree_vram_before": {"gpus": []}, "webui_result": WEBUI},
        "lost": {"vramfree_vram_before": {"gpus": []}, "vramfree_desktop_stopped": True},
        "never": {},
        "failed": {"vramfree_failure": {"task": "t", "msg": "boom"}},
    }
    records = fr.site_records(hostvars, ["ok", "lost", "never", "failed"], ["ok", "failed"])
    assert records["ok"]["failure"] is None
    assert records["failed"]["failure"] == {"task": "t", "msg": "boom"}
    assert records["lost"]["failure"]["msg"].startswith(
        "unreachable: the host stopped answering after the desktop step"
    )
    assert "before its first task" in records["never"]["failure"]["msg"]
    report = fr.build(records)
    assert report["failed"] == ["failed", "lost", "never"]
    assert [report["hosts"][h]["status"] for h in ("ok", "lost", "failed")] == ["ok", "unreachable", "failed"]
    assert "- **lost**: unreachable: the host stopped answering" in fr.markdown(report)
    assert '<span class="failed">(unreachable)</span>' in fr.html(report)
    assert fr.failure_lines(report) == [
        "failed: boom (task: t)",
        "lost: " + records["lost"]["failure"]["msg"],
        "never: " + records["never"]["failure"]["msg"],
    ]
    assert fr.failure_lines(fr.build({"ok": records["ok"]})) == []
    with pytest.raises(fr.ReportError):
        fr.failure_lines({"hosts": {}})
    # Without reached (the filter's old call), nobody is taken for unreachable.
    assert fr.site_records(hostvars, ["lost"])["lost"]["failure"] is None


def test_an_unreachable_host_is_reported_with_the_task_the_fleet_strategy_saw_it_lost_on():
    task = "vramfree.webui.webui : Ask systemd about the web UI's unit"
    hostvars = {
        "frozen": {"vramfree_desktop_stopped": True, "vramfree_unreachable_task": task},
        # A host that failed in site's block and was then lost keeps its own failure.
        "failed": {"vramfree_failure": {"task": "t", "msg": "boom"}, "vramfree_unreachable_task": "later"},
    }
    records = fr.site_records(hostvars, ["frozen", "failed"], [])
    assert records["frozen"]["failure"]["task"] == task
    assert records["frozen"]["failure"]["unreachable"] is True
    assert records["failed"]["failure"] == {"task": "t", "msg": "boom"}
    assert fr.failure_lines(fr.build(records))[1] == (
        "frozen: unreachable: the host stopped answering after the desktop step; run site again once it is back"
        " (task: %s)" % task
    )
    with pytest.raises(fr.ReportError, match="for reached"):
        fr.site_records(hostvars, ["ok"], "ok")


def test_by_host_goes_down_keys_and_fills_gaps():
    hostvars = {"a": {"ansible_facts": {"gpu_vram": {"gpus": []}}}, "b": {}}
    assert fr.by_host(hostvars, ["a", "b", "c"], ["ansible_facts", "gpu_vram"]) == {
        "a": {"gpus": []},
        "b": None,
        "c": None,
    }
    assert fr.by_host(hostvars, ["a"], "ansible_facts") == {"a": {"gpu_vram": {"gpus": []}}}
    with pytest.raises(fr.ReportError, match="list of host names"):
        fr.by_host(hostvars, "a", "x")


@pytest.mark.parametrize("bad, call", [([], fr.build), ({"h": "x"}, fr.build), ({}, fr.markdown)])
def test_bad_input_is_named(bad, call):
    with pytest.raises(fr.ReportError):
        call(bad)


def test_html_is_self_contained_and_draws_each_gpus_bars():
    page = fr.html(fr.build({"sd-970": record(), "<nas>": record(before={"gpus": []}, after={"gpus": []})}))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # Nothing fetched from elsewhere: it opens from disk.
    assert "http" not in page.replace("http://127.0.0.1:7860/", "")
    assert "src=" not in page and "<link" not in page
    # Before: the desktop's 660 MiB of 4096, the driver's and the baseline, and the free 3329.
    assert '<div class="desktop" style="width:16.11%" title="desktop: 660 MiB"></div>' in page
    assert '<div class="free" style="width:81.27%" title="free: 3329 MiB"></div>' in page
    assert "After: 4029 MiB free of 4096 MiB (desktop 0, web UI 0, other and driver 67 MiB)" in page
    assert "<h2>&lt;nas&gt;</h2>" in page and "No GPU found." in page


def test_html_counts_the_web_uis_own_vram_apart():
    running = {"pid": 1500, "name": "python3", "type": "compute", "used_memory_mib": 2600, "unit": "webui.service"}
    page = fr.html(fr.build({"h": record(after={"gpus": [gpu(2601, 1429, [running])]})}))
    assert "After: 1429 MiB free of 4096 MiB (desktop 0, web UI 2600, other and driver 67 MiB)" in page


BENCH = {
    "hosts": {
        "sd-970": {
            "status": "ok",
            "mode_before": "lowvram",
            "chosen_mode": "none",
            "simulated": True,
            "trials": [
                {"mode": "lowvram", "ok": True, "seconds_per_it": 2.73, "seconds_per_image": 54.6},
                {"mode": "none", "ok": True, "seconds_per_it": 1.22, "seconds_per_image": 24.4},
            ],
            "compare": {
                "before": {"mode": "lowvram", "seconds_per_it": 2.73},
                "after": {"mode": "none"},
                "speedup": 2.238,
            },
        },
        "nas": {"status": "not_benchmarkable", "reason": "no --api"},
    }
}


def test_benchmark_figures_go_into_the_report_of_their_host():
    report = fr.build({"sd-970": record(), "nas": record(), "other": record()}, BENCH)
    assert report["hosts"]["sd-970"]["benchmark"] == BENCH["hosts"]["sd-970"]
    assert report["hosts"]["other"]["benchmark"] is None
    text = fr.markdown(report)
    assert "| sd-970 | none | 1.22 | 24.4 | lowvram at 2.73 s/it | x2.238 | yes |" in text
    assert "| nas | not_benchmarkable | - | - | no --api | - | - |" in text
    assert (
        "Benchmark (simulated): none, 1.22 s/it, 24.4 s/image; before: lowvram at 2.73 s/it; speed-up x2.238"
        in fr.html(report)
    )


LLM_BENCH = {
    "hosts": {
        "ollama-box": {
            "status": "ok",
            "kind": "llm",
            "simulated": True,
            "trials": [
                {"phase": "before", "ok": True, "layers": None, "tokens_per_second": 9.4, "vram_share": 0.78},
                {"phase": "after", "ok": True, "layers": None, "tokens_per_second": 25.7, "vram_share": 1.0},
            ],
            "compare": {
                "before": {"layers": None, "tokens_per_second": 9.4, "vram_share": 0.78},
                "after": {"layers": None, "tokens_per_second": 25.7, "vram_share": 1.0},
                "speedup": 2.734,
            },
        },
        "llama-box": {
            "status": "ok",
            "kind": "llm",
            "trials": [{"phase": "current", "ok": True, "layers": 39, "tokens_per_second": 14.2, "vram_share": None}],
            "compare": None,
        },
    }
}


def test_llm_servers_figures_are_tokens_per_second_in_a_table_of_their_own():
    report = fr.build({"ollama-box": record(), "llama-box": record()}, LLM_BENCH)
    text = fr.markdown(report)
    assert "## LLM servers benchmark" in text and "## Benchmark" not in text
    assert "| ollama-box | 25.7 tokens/s, 100% in VRAM | 9.4 tokens/s, 78% in VRAM | x2.734 | yes |" in text
    assert "| llama-box | 14.2 tokens/s, 39 GPU layers | - | - | no |" in text
    assert "Benchmark (simulated): 25.7 tokens/s, 100% in VRAM; before: 9.4 tokens/s, 78% in VRAM" in fr.html(report)


def test_a_benchmark_that_is_not_a_report_is_refused():
    with pytest.raises(fr.ReportError, match="benchmark report"):
        fr.build({"h": record()}, ["x"])


def test_how_to_reach_each_web_ui_from_elsewhere():
    proxied = record(
        host="sd-970", proxy={"kind": "nginx", "url": "https://10.0.0.5:7861/", "allow": ["10.0.0.0/24"], "auth": True}
    )
    tunneled = record(host="sd-1060", proxy={"kind": "none", "url": None})
    report = fr.build({"sd-970": proxied, "sd-1060": tunneled, "nas": record(host="nas", webui=None)})
    assert report["hosts"]["sd-970"]["access"] == {
        "how": "proxy",
        "url": "https://10.0.0.5:7861/",
        "allow": ["10.0.0.0/24"],
        "auth": True,
    }
    assert report["hosts"]["sd-1060"]["access"]["command"] == "ssh -N sd-1060-webui"
    assert report["hosts"]["nas"]["access"] is None
    text = fr.markdown(report)
    assert "| https://10.0.0.5:7861/ (for 10.0.0.0/24, with a password) |" in text
    assert "`ssh -N sd-1060-webui`, then http://localhost:" in text


def test_the_play_report_names_the_hosts_that_left_the_play():
    hostvars = {"ok": {"vramfree_vram_before": {"gpus": []}, "webui_result": WEBUI}, "lost": {}}
    report = fr.play_report(hostvars, ["ok", "lost"], ["ok"], BENCH)
    assert (report["failed"], report["hosts"]["lost"]["status"]) == (["lost"], "unreachable")
    assert report["hosts"]["ok"]["benchmark"] is None


def test_the_summary_shows_the_hosts_still_in_the_play_and_the_failed_ones():
    hostvars = {
        "sd-970": {
            "vramfree_vram_before": {"gpus": [gpu(701, 3329, [SHELL, XORG])]},
            "vramfree_vram_after": {"gpus": [gpu(1, 4029, [])]},
            "webui_result": WEBUI,
        },
        "broken": {"vramfree_failure": {"task": "t", "msg": "boom"}},
        "lost": {"vramfree_vram_before": {"gpus": [gpu(701, 3329, [])]}},
    }
    reached = ["broken", "sd-970"]
    report = fr.play_report(hostvars, ["broken", "lost", "sd-970"], reached)
    # The lost host is in no table (it has no "after"), only among the failed.
    assert fr.summary_lines(hostvars, reached, report) == [
        "Before:",
        "HOST    GPU                           TOTAL     USED      FREE  TOP HOLDERS",
        "------  -------------------------  --------  -------  --------  ---------------------------------",
        "broken  no GPU found                      -        -         -  -",
        "sd-970  0: NVIDIA GeForce GTX 970  4096 MiB  701 MiB  3329 MiB  Xorg 431 MiB, gnome-shell 229 MiB",
        "",
        "After:",
        "HOST    GPU                           TOTAL   USED      FREE  TOP HOLDERS",
        "------  -------------------------  --------  -----  --------  -----------",
        "broken  no GPU found                      -      -         -  -",
        "sd-970  0: NVIDIA GeForce GTX 970  4096 MiB  1 MiB  4029 MiB  none",
        "",
        "Web UIs:",
        "HOST    UI     GPU  MEMORY MODE            URL ON THE HOST",
        "------  -----  ---  ---------------------  ----------------------",
        "broken  -      -    not run                -",
        "sd-970  a1111  0    none (no memory flag)  http://127.0.0.1:7860/",
        "",
        "Failed:",
        "broken: boom (task: t)",
        "lost: unreachable: the host stopped answering after the first VRAM measurement; run site again once it is back",
    ]
    # The web UI left out of the run: no table for it; nobody failed: no Failed part.
    quiet = fr.summary_lines(hostvars, ["sd-970"], fr.play_report(hostvars, ["sd-970"], ["sd-970"]), webui=False)
    assert "Web UIs:" not in quiet and "Failed:" not in quiet and quiet[-1].startswith("sd-970")


def test_report_json_is_what_to_nice_json_wrote():
    from ansible.plugins.filter.core import to_nice_json

    report = fr.build({"sd-970": record(webui=dict(WEBUI, memory_reason="4029 MiB free — plenty"))}, BENCH)
    files = dict(fr.report_files(report))
    assert list(files) == ["report.json", "report.md", "report.html"]
    assert files["report.json"] == to_nice_json(report, indent=2) + "\n"
    assert "\\u2014" in files["report.json"]
    assert (files["report.md"], files["report.html"]) == (fr.markdown(report), fr.html(report))


def test_the_benchmark_is_read_when_the_folder_holds_one(tmp_path):
    assert fr.read_benchmark(str(tmp_path)) is None
    (tmp_path / "benchmark.json").write_text("\n", encoding="utf-8")
    assert fr.read_benchmark(str(tmp_path)) is None
    (tmp_path / "benchmark.json").write_text(json.dumps(BENCH), encoding="utf-8")
    assert fr.read_benchmark(str(tmp_path)) == BENCH
    (tmp_path / "benchmark.json").write_text("{half", encoding="utf-8")
    with pytest.raises(fr.ReportError, match="benchmark.json in %s is not JSON" % tmp_path):
        fr.read_benchmark(str(tmp_path))


FILES = [("report.json", "{}\n"), ("report.md", "# VRAM report\n")]


def test_the_files_are_written_into_a_folder_made_for_them(tmp_path):
    folder = tmp_path / "a" / "report"
    written = fr.write_files(str(folder), FILES)
    assert written["folders"] == [str(tmp_path / "a"), str(folder)]
    assert written["files"] == ["report.json", "report.md"]
    assert sorted(p.name for p in folder.iterdir()) == ["report.json", "report.md"]
    assert (folder / "report.md").read_text(encoding="utf-8") == "# VRAM report\n"
    assert [oct(p.stat().st_mode & 0o7777) for p in (tmp_path / "a", folder, folder / "report.json")] == [
        "0o755",
        "0o755",
        "0o644",
    ]
    assert written["diff"][0] == {
        "before": {"path": str(folder), "state": "absent"},
        "after": {"path": str(folder), "state": "directory"},
    }
    assert written["diff"][1] == {
        "before_header": str(folder / "report.json"),
        "after_header": str(folder / "report.json"),
        "before": "",
        "after": "{}\n",
    }
    # The same report again: nothing to do.
    assert fr.write_files(str(folder), FILES) == {"folders": [], "files": [], "diff": []}


def test_only_what_differs_is_rewritten_and_a_folder_made_by_someone_keeps_its_mode(tmp_path):
    tmp_path.chmod(0o700)
    fr.write_files(str(tmp_path), FILES)
    (tmp_path / "report.json").chmod(0o600)
    (tmp_path / "report.md").write_text("old\n", encoding="utf-8")
    written = fr.write_files(str(tmp_path), FILES)
    assert written["files"] == ["report.json", "report.md"]
    assert written["diff"] == [
        {
            "before": {"path": str(tmp_path / "report.json"), "mode": "0600"},
            "after": {"path": str(tmp_path / "report.json"), "mode": "0644"},
        },
        {
            "before_header": str(tmp_path / "report.md"),
            "after_header": str(tmp_path / "report.md"),
            "before": "old\n",
            "after": "# VRAM report\n",
        },
    ]
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == "# VRAM report\n"
    assert (tmp_path / "report.json").stat().st_mode & 0o7777 == 0o644
    assert tmp_path.stat().st_mode & 0o7777 == 0o700


def test_a_link_in_place_of_a_report_file_is_replaced_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("keep\n", encoding="utf-8")
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "report.json").symlink_to(elsewhere)
    assert fr.write_files(str(folder), FILES)["files"] == ["report.json", "report.md"]
    assert not (folder / "report.json").is_symlink()
    assert (folder / "report.json").read_text(encoding="utf-8") == "{}\n"
    assert elsewhere.read_text(encoding="utf-8") == "keep\n"


def test_check_mode_says_what_would_be_written_and_writes_nothing(tmp_path):
    folder = tmp_path / "report"
    written = fr.write_files(str(folder), FILES, check=True)
    assert (written["folders"], written["files"]) == ([str(folder)], ["report.json", "report.md"])
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    (tmp_path / "report").write_text("", encoding="utf-8")
    with pytest.raises(fr.ReportError, match="is not a folder"):
        fr.write_files(str(tmp_path / "report" / "sub"), FILES)


def test_a_write_that_fails_leaves_no_partial_file(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fr.os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        fr.write_files(str(tmp_path), FILES)
    assert list(tmp_path.iterdir()) == []
