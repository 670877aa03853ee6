"""site under ansible-runner, the engine inside AWX: a job on a private data dir, as AWX
starts one, whose controller is thrown away with the job. The fleet report must reach
the job's artifacts (set_stats) as well as the report folder."""

import json
import os
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import inventory_without  # noqa: E402  pylint: disable=wrong-import-position

# The memory mode each host's freed VRAM allows (as in test_mitogen.py).
MODES = {"vramfree-mitogen-bookworm": "none", "vramfree-mitogen-trixie": "normalvram"}
IDENT = "site"


def runner_job(private):
    """A private data dir as AWX lays one out for a job template on a project's playbook:
    the project, the inventory, the environment and the extra variables."""
    for folder in ("project", "inventory", "env"):
        (private / folder).mkdir(parents=True)
    (private / "project" / "site.yml").write_text(
        "---\n- name: The collection's site, as a project's playbook runs it\n"
        "  ansible.builtin.import_playbook: vramfree.webui.site\n",
        encoding="utf-8",
    )
    # Every variable molecule gives the hosts but the report folder, which the job sets.
    inventory_without(MODES, {"vramfree_report_dir"}, private / "inventory" / "hosts.json")
    # The scenario's ansible.cfg (fleet strategy, Mitogen, SSH settings), as a project's
    # own ansible.cfg would be.
    envvars = {"ANSIBLE_CONFIG": os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.cfg")}
    (private / "env" / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
    # A report folder outside the job, as a volume mounted into AWX's throw-away
    # controller is: there before the job, so a job on converged hosts changes nothing.
    reports = private.parent / "reports"
    reports.mkdir()
    # The mode site gives a report folder it makes, whatever the umask made of this one.
    reports.chmod(0o755)
    (private / "env" / "extravars").write_text(json.dumps({"vramfree_report_dir": str(reports)}), encoding="utf-8")
    return private / "artifacts" / IDENT, reports


def events(artifacts, name):
    found = []
    for path in sorted((artifacts / "job_events").glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        if event.get("event") == name:
            found.append(event)
    return found


def changed(artifacts):
    """'task: host' for each change the job reported, for failure messages."""
    return [
        "%s: %s" % (event["event_data"]["task"], event["event_data"]["host"])
        for event in events(artifacts, "runner_on_ok")
        if event["event_data"].get("res", {}).get("changed")
    ]


def test_site_under_ansible_runner_leaves_its_report_in_the_job_artifacts(tmp_path):
    private = tmp_path / "job"
    artifacts, reports = runner_job(private)
    runner = pathlib.Path(sys.executable).with_name("ansible-runner")
    proc = subprocess.run(
        [str(runner), "run", str(private), "-p", "site.yml", "--ident", IDENT],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, out
    assert (artifacts / "status").read_text(encoding="utf-8") == "successful", out
    assert (artifacts / "rc").read_text(encoding="utf-8") == "0", out

    (stats,) = events(artifacts, "playbook_on_stats")
    data = stats["event_data"]
    published = data["artifact_data"]
    assert "vramfree_report" in published, "the job's artifacts lack the report: %r" % published
    report = published["vramfree_report"]
    assert report["failed"] == []
    assert {host: (entry["status"], entry["webui"]["memory_mode"]) for host, entry in report["hosts"].items()} == {
        host: ("ok", mode) for host, mode in MODES.items()
    }
    # The same report in the report folder.
    written = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert written == report

    # The hosts were converged before this job: it found them so and changed nothing.
    assert set(data["ok"]) == set(MODES), data
    assert {host: data["changed"].get(host, 0) for host in MODES} == dict.fromkeys(MODES, 0), changed(artifacts)
    assert (data["failures"], data["dark"]) == ({}, {}), data
