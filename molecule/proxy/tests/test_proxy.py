"""What a user cares about after site ran the proxy role: the web UI answers through the
proxy, over HTTP and over Gradio's own client (its queue is a websocket), from the one
allowed source, and from nowhere else; the firewall the host runs lets in only that
source; passwords stay hashed and out of the output; an API token gets in as a password
does, and stays out of every log, of the output and of any file others can read; a request open to everyone is
refused before anything changes; and playbook tunnel writes SSH tunnels that work.

Every host check runs on every host, against that host's row of HOSTS: no check is
skipped by host name, and a host missing from the scenario fails the first test. The
allowed source is the controller's address as the hosts see it; the second source is an
address the fixture adds on the controller's side of the bridge."""

import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import time

import pytest
import testinfra.utils.ansible_runner

HERE = pathlib.Path(__file__).resolve().parent
SCENARIO = HERE.parent
PROJECT = SCENARIO.parents[1]
GRADIO = PROJECT / "build" / "gradio-3.41.2"
PORT = 7861
AUTH = ("sd-user", "hunter2-proxy-secret")
# molecule.yml's token for the nginx host; its . and + are regex characters in nginx's map.
TOKEN = "vramfree.proxy+token-0123456789abcdef"
# Its longest run without them: the file holds the token as a regex ([.] and [+]), so a
# search for the token alone would miss it there.
TOKEN_TAIL = "token-0123456789abcdef"
# The stand-in's Gradio page names its Blocks title.
PAGE = '"Stable Diffusion (stand-in)"'
ANSWER = "stand-in web UI (simulated, no image): hello"
# How a non-allowed source is turned away, by whoever does it first.
SOCAT_CLOSES = "closed"  # socat's range= accepts, then closes without a byte
NGINX_FORBIDS = 403  # nginx's deny
FIREWALL_DROPS = "timeout"  # ufw's default deny drops the packet
FIREWALL_REJECTS = "no route"  # firewalld rejects with ICMP admin-prohibited
HOSTS = {
    "vramfree-proxy-socat": dict(
        kind="socat", scheme="http", auth=None, token=None, firewall=None, denied=SOCAT_CLOSES
    ),
    # prepare.yml put socat here first; converge switched it to nginx with basic auth and a token.
    "vramfree-proxy-nginx": dict(
        kind="nginx", scheme="http", auth=AUTH, token=TOKEN, firewall=None, denied=NGINX_FORBIDS
    ),
    "vramfree-proxy-ufw": dict(
        kind="nginx", scheme="https", auth=None, token=None, firewall="ufw", denied=FIREWALL_DROPS
    ),
    "vramfree-proxy-firewalld": dict(
        kind="socat", scheme="http", auth=None, token=None, firewall="firewalld", denied=FIREWALL_REJECTS
    ),
}
SOCAT_UNIT = "/etc/systemd/system/vramfree-proxy-socat.service"
NGINX_SITE = "/etc/nginx/conf.d/vramfree-webui.conf"
HTPASSWD = "/etc/nginx/vramfree-webui.htpasswd"
TOKENS = "/etc/nginx/vramfree-webui.tokens"
# TEST-NET-2 (RFC 5737): never anyone's real address.
SECOND_SOURCE = "198.51.100.7"


def expect(host):
    return HOSTS[host.backend.get_hostname()]


def inventory():
    return testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])


def address(name):
    return inventory().get_variables(name)["ansible_host"]


@pytest.fixture(scope="module")
def sources():
    """(allowed, denied): the controller's address toward the hosts, and a second one."""
    some_host = address(sorted(HOSTS)[0])
    route = subprocess.run(["ip", "-o", "route", "get", some_host], capture_output=True, text=True, check=True).stdout
    device, allowed = re.search(r" dev (\S+)", route).group(1), re.search(r" src (\S+)", route).group(1)
    subprocess.run(["ip", "addr", "replace", SECOND_SOURCE + "/32", "dev", device], check=True)
    yield allowed, SECOND_SOURCE
    subprocess.run(["ip", "addr", "del", SECOND_SOURCE + "/32", "dev", device], check=False)


@pytest.fixture(scope="module")
def cafile(tmp_path_factory):
    """The self-signed certificates of the TLS hosts, fetched once: the client trusts nothing else."""
    folder = tmp_path_factory.mktemp("certs")
    bundle = folder / "bundle.pem"
    with bundle.open("w") as out:
        for name in HOSTS:
            if HOSTS[name]["scheme"] == "https":
                out.write(
                    subprocess.run(
                        ["docker", "exec", name, "cat", "/etc/nginx/vramfree-webui-tls/cert.pem"],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
    return str(bundle)


def client(host, source, mode, cafile, auth=None, timeout=25, host_header=None):
    """Run files/client.py on the controller from SOURCE; a run cut short counts as a timeout.
    AUTH: (user, password) for basic auth, or a whole Authorization value ("Bearer ...")."""
    return client_to(host.backend.get_hostname(), source, mode, cafile, auth, timeout, host_header)


def client_to(name, source, mode, cafile, auth=None, timeout=25, host_header=None):
    url = "%s://%s:%d/" % (HOSTS[name]["scheme"], address(name), PORT)
    env = dict(os.environ, VRAMFREE_GRADIO=str(GRADIO), CAFILE=cafile, HOST_HEADER=host_header or "")
    argv = [sys.executable, str(SCENARIO / "files" / "client.py"), source, url, mode] + (
        [auth if isinstance(auth, str) else "%s:%s" % auth] if auth else []
    )
    try:
        run = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": "timeout: no answer in %d s" % timeout}
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def denied_as_expected(result, how):
    if how == NGINX_FORBIDS:
        return result.get("status") == 403 or "Could not get Gradio config" in result.get("error", "")
    error = result.get("error", "").lower()
    return (
        "status" not in result
        and {
            SOCAT_CLOSES: "closed connection without response" in error or "connection aborted" in error,
            FIREWALL_DROPS: "timed out" in error or "timeout" in error,
            FIREWALL_REJECTS: "no route to host" in error or "errno 113" in error,
        }[how]
    )


def playbook(*args, timeout=300):
    """ansible-playbook on the controller against the scenario's inventory."""
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.cfg"))
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_NOCOLOR"] = "1"
    return subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"]] + list(args),
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_the_scenario_has_exactly_the_expected_hosts():
    assert set(inventory().get_hosts("all")) == set(HOSTS)


def test_only_the_asked_kind_is_there(host):
    kind = expect(host)["kind"]
    assert host.file(SOCAT_UNIT).exists == (kind == "socat")
    assert host.file(NGINX_SITE).exists == (kind == "nginx")
    assert host.service("vramfree-proxy-socat").is_running == (kind == "socat")
    assert host.service("nginx").is_running == (kind == "nginx")
    # One listener on the port, on every IPv4 address. (ss cannot name socat's process
    # here: it runs as another user and the container has no CAP_SYS_PTRACE.)
    listening = host.check_output("ss -Hltn 'sport = :%s'", str(PORT)).splitlines()
    assert [line.split()[3] for line in listening] == ["0.0.0.0:%d" % PORT], listening


def test_the_ui_answers_http_from_the_allowed_source(host, sources, cafile):
    auth = expect(host)["auth"]
    result = client(host, sources[0], "http", cafile, auth)
    assert result.get("status") == 200 and PAGE in result["body"], result
    if auth:
        assert client(host, sources[0], "http", cafile)["status"] == 401
        assert client(host, sources[0], "http", cafile, (auth[0], "wrong"))["status"] == 401


def test_gradios_own_client_works_from_the_allowed_source(host, sources, cafile):
    result = client(host, sources[0], "gradio", cafile, expect(host)["auth"])
    assert result == {"status": 200, "body": ANSWER}
    if expect(host)["kind"] == "nginx":
        # Its queue went through nginx as a websocket (101 Switching Protocols).
        log = host.file("/var/log/nginx/access.log").content_string
        assert re.search(r'"GET /queue/join HTTP/1\.1" 101 ', log), log[-2000:]


def test_the_second_source_is_turned_away(host, sources, cafile):
    how = expect(host)["denied"]
    for mode in ("http", "gradio"):
        result = client(host, sources[1], mode, cafile, expect(host)["auth"])
        assert denied_as_expected(result, how), (mode, how, result)


def test_the_firewall_lets_in_the_allowed_source_only(host, sources):
    firewall = expect(host)["firewall"]
    assert host.exists("ufw") == (firewall == "ufw")
    assert host.exists("firewall-cmd") == (firewall == "firewalld")
    if firewall == "ufw":
        rules = [line for line in host.check_output("ufw status").splitlines() if line.startswith("%d/tcp" % PORT)]
        assert len(rules) == 1 and rules[0].split()[1:4] == ["ALLOW", sources[0], "#"], rules
    elif firewall == "firewalld":
        assert host.check_output("firewall-cmd --list-rich-rules").splitlines() == [
            'rule family="ipv4" source address="%s/32" port port="%d" protocol="tcp" accept' % (sources[0], PORT)
        ]
        assert str(PORT) not in host.check_output("firewall-cmd --list-ports")
        # Permanent too: a reload (or a reboot) keeps it.
        assert sources[0] in host.check_output("firewall-cmd --permanent --list-rich-rules")


def test_socat_runs_unprivileged_hardened_and_its_children_stop_with_it(host, sources):
    if expect(host)["kind"] != "socat":
        assert not host.file(SOCAT_UNIT).exists
        return
    props = dict(
        line.split("=", 1)
        for line in host.check_output(
            "systemctl show vramfree-proxy-socat --property=DynamicUser,NoNewPrivileges,ProtectSystem,"
            "MainPID,KillMode,CapabilityBoundingSet,ExecStart"
        ).splitlines()
    )
    assert (props["DynamicUser"], props["NoNewPrivileges"], props["ProtectSystem"], props["KillMode"]) == (
        "yes",
        "yes",
        "strict",
        "control-group",
    )
    assert props["CapabilityBoundingSet"] == ""
    assert "range=%s/32" % sources[0] in props["ExecStart"]
    assert host.check_output("ps -o uid= -p %s", props["MainPID"]).strip() != "0"
    # An open connection is a forked child; a restart ends it with the parent.
    conn = socket.socket()
    conn.bind((sources[0], 0))
    conn.connect((address(host.backend.get_hostname()), PORT))
    try:
        deadline = time.monotonic() + 10
        while True:
            children = host.check_output("pgrep -P %s -x socat || true", props["MainPID"]).split()
            if children or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert children, "no forked socat child for an open connection"
        host.check_output("systemctl restart vramfree-proxy-socat")
        for pid in children:
            assert not host.file("/proc/%s" % pid).exists, "child %s outlived the restart" % pid
    finally:
        conn.close()
    assert host.service("vramfree-proxy-socat").is_running


def test_nginx_site_and_password_file(host, sources, cafile):
    if expect(host)["kind"] != "nginx":
        assert not host.file(NGINX_SITE).exists and not host.file(HTPASSWD).exists
        assert not host.file(TOKENS).exists
        return
    assert host.run("nginx -t").rc == 0
    site = host.file(NGINX_SITE).content_string
    for line in (
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_buffering off;",
        "proxy_set_header Host $http_host;",
        "proxy_read_timeout 3600s;",
        "client_max_body_size 50m;",
        "allow %s/32;" % sources[0],
        "deny all;",
    ):
        assert line in site, line
    # Debian's default site is gone: nothing on port 80, and any Host lands on the UI's site.
    assert host.run("ss -Hltn 'sport = :80'").stdout.strip() == ""
    other = client(host, sources[0], "http", cafile, expect(host)["auth"], host_header="welcome.example")
    assert other.get("status") == 200 and "Welcome to nginx" not in other["body"], other
    if expect(host)["auth"]:
        htpasswd = host.file(HTPASSWD)
        assert (htpasswd.user, htpasswd.group, htpasswd.mode) == ("root", "www-data", 0o640)
        assert re.fullmatch(r"sd-user:\$6\$[^$]+\$[^$]+\n", htpasswd.content_string)
        assert AUTH[1] not in htpasswd.content_string
        assert host.run("sudo -u nobody cat %s", HTPASSWD).rc != 0
    else:
        assert not host.file(HTPASSWD).exists


def test_tls_where_asked(host, sources, cafile):
    if expect(host)["scheme"] != "https":
        site = host.file(NGINX_SITE)
        assert not site.exists or " ssl " not in site.content_string
        return
    key = host.file("/etc/nginx/vramfree-webui-tls/key.pem")
    assert (key.user, key.mode) == ("root", 0o600)
    # The client above trusted this certificate only, for the host's address: plain HTTP is refused.
    plain = subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "5",
            "http://%s:%d/" % (address(host.backend.get_hostname()), PORT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert plain.stdout == "400", plain


def test_a_password_change_is_hashed_and_never_printed(sources):
    name = "vramfree-proxy-nginx"
    new = "correct-horse-proxy-7"
    changed = playbook(
        str(SCENARIO / "proxy.yml"),
        "-v",
        "-l",
        name,
        "-e",
        json.dumps({"proxy_auth_users": [{"name": AUTH[0], "password": new}]}),
    )
    assert changed.returncode == 0, changed.stdout[-3000:]
    assert re.search(r"%s\s*: ok=\d+\s+changed=[1-9]" % name, changed.stdout), changed.stdout[-1500:]
    restored = playbook(str(SCENARIO / "proxy.yml"), "-v", "-l", name)
    assert restored.returncode == 0, restored.stdout[-3000:]
    for run in (changed, restored):
        for secret in (new, AUTH[1], TOKEN, TOKEN_TAIL):
            assert secret not in run.stdout + run.stderr


def test_an_api_token_gets_in_as_a_password_does_from_the_allowed_source_only(host, sources, cafile):
    token = expect(host)["token"]
    if token is None:
        assert not host.file(TOKENS).exists
        return
    for auth in ("Bearer " + token, "bearer  " + token, expect(host)["auth"]):
        result = client(host, sources[0], "http", cafile, auth)
        assert result.get("status") == 200 and PAGE in result["body"], (auth, result)
        # The Bearer challenge goes with a 401 only.
        assert result["challenges"] == [], (auth, result)
    # A map's plain strings would match the token in any case: the role's must not.
    for auth in ("Bearer " + token.upper(), "Bearer " + token + "x", "Bearer " + token.replace(".", "X"), None):
        result = client(host, sources[0], "http", cafile, auth)
        assert result.get("status") == 401, (auth, result)
        # Both ways in are offered.
        assert sorted(c.split()[0] for c in result["challenges"]) == ["Basic", "Bearer"], result
    # The allowlist comes first, for a token too.
    assert client(host, sources[1], "http", cafile, "Bearer " + token).get("status") == NGINX_FORBIDS


def host_files(host, top):
    """{path: (uid, gid, mode, text)} of every file under TOP, read on the host in one call
    that names no secret (sudo logs each command line in the journal)."""
    script = (
        "import json, os, sys\n"
        "out = {}\n"
        "for folder, _dirs, files in os.walk(sys.argv[1]):\n"
        "    for name in files:\n"
        "        path = os.path.join(folder, name)\n"
        "        if os.path.isfile(path) and not os.path.islink(path):\n"
        "            info = os.stat(path)\n"
        "            with open(path, 'rb') as handle:\n"
        "                text = handle.read().decode('utf-8', 'replace')\n"
        "            out[path] = [info.st_uid, info.st_gid, info.st_mode & 0o7777, text]\n"
        "print(json.dumps(out))\n"
    )
    return {path: tuple(v) for path, v in json.loads(host.check_output("python3 -c %s %s", script, top)).items()}


def test_an_api_token_is_in_no_file_others_can_read_nor_in_any_log(host, sources, cafile):
    token = expect(host)["token"]
    if token is None:
        assert not host.file(TOKENS).exists
        return
    # A request with the token, and one with a wrong token, first: neither may leave it in a log.
    assert client(host, sources[0], "http", cafile, "Bearer " + token).get("status") == 200
    assert client(host, sources[0], "http", cafile, "Bearer " + token + "x").get("status") == 401
    secrets = (token, TOKEN_TAIL)
    holding = {
        path: meta[:3]
        for path, meta in host_files(host, "/etc/nginx").items()
        if any(secret in meta[3] for secret in secrets)
    }
    # The one file that holds it is root's alone; the site nginx's workers and everyone read holds none.
    assert holding == {TOKENS: (0, 0, 0o600)}, holding
    for user in ("nobody", "www-data"):
        assert host.run("sudo -u %s cat %s", user, TOKENS).rc != 0, user
    logs = host_files(host, "/var/log/nginx")
    assert any("HTTP/1.1\" 200 " in meta[3] for meta in logs.values()), sorted(logs)
    for path, meta in logs.items():
        assert not any(secret in meta[3] for secret in secrets), path
    journal = host.check_output("journalctl --no-pager -o cat")
    assert "nginx" in journal and not any(secret in journal for secret in secrets)


def test_tokens_alone_offer_no_basic_auth_and_a_token_change_is_never_printed_nor_diffed(sources, cafile):
    name = "vramfree-proxy-nginx"
    new = "vramfree-other-token-fedcba9876543210"
    alone = json.dumps({"proxy_auth_users": [], "proxy_api_tokens": [new]})
    checked = playbook(str(SCENARIO / "proxy.yml"), "--check", "--diff", "-v", "-l", name, "-e", alone)
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert re.search(r"%s\s*: ok=\d+\s+changed=[1-9]" % name, checked.stdout), checked.stdout[-1500:]
    # --check changed nothing: the old token still gets in, the new one not yet.
    assert client_to(name, sources[0], "http", cafile, "Bearer " + TOKEN).get("status") == 200
    assert client_to(name, sources[0], "http", cafile, "Bearer " + new).get("status") == 401
    changed = playbook(str(SCENARIO / "proxy.yml"), "--diff", "-v", "-l", name, "-e", alone)
    assert changed.returncode == 0, changed.stdout[-3000:]
    try:
        for auth in ("Bearer " + new,):
            result = client_to(name, sources[0], "http", cafile, auth)
            assert result.get("status") == 200 and PAGE in result["body"], result
        for auth in (AUTH, "Bearer " + TOKEN, None):
            result = client_to(name, sources[0], "http", cafile, auth)
            # No basic auth to offer: the challenge names Bearer alone.
            assert result.get("status") == 401 and result["challenges"] == ['Bearer realm="Stable Diffusion web UI"'], (
                auth,
                result,
            )
        assert client_to(name, sources[1], "http", cafile, "Bearer " + new).get("status") == NGINX_FORBIDS
        present = subprocess.run(
            ["docker", "exec", name, "sh", "-c", "test ! -e %s && test -e %s" % (HTPASSWD, TOKENS)], check=False
        )
        assert present.returncode == 0, "the password file is left, or the tokens' file is gone"
    finally:
        restored = playbook(str(SCENARIO / "proxy.yml"), "--diff", "-v", "-l", name)
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert client_to(name, sources[0], "http", cafile, "Bearer " + TOKEN).get("status") == 200
    assert client_to(name, sources[0], "http", cafile, AUTH).get("status") == 200
    for run in (checked, changed, restored):
        for secret in (new, TOKEN, TOKEN_TAIL, AUTH[1]):
            assert secret not in run.stdout + run.stderr


def test_a_site_nginx_refuses_is_taken_back_and_refused_again():
    name = "vramfree-proxy-nginx"

    def site_state():
        return subprocess.run(
            ["docker", "exec", name, "sh", "-c", "cat %s && ls -a /etc/nginx/conf.d && nginx -t -q" % NGINX_SITE],
            capture_output=True,
            check=False,
        )

    before = site_state()
    assert before.returncode == 0, before
    # nginx wants 50m; 50MB is what people write. A second run must not pass on the config
    # nginx still holds in memory.
    for attempt in (1, 2):
        run = playbook(str(SCENARIO / "proxy.yml"), "-l", name, "-e", "proxy_max_body_size=50MB")
        output = run.stdout + run.stderr
        assert run.returncode != 0, (attempt, run.stdout[-2000:])
        assert "nginx refuses the configuration with the new %s" % NGINX_SITE in output, output[-2000:]
        assert '"client_max_body_size" directive invalid value' in output, output[-2000:]
        assert "the site nginx accepted before is back" in output
        after = site_state()
        # Byte for byte the site nginx accepted, no backup left beside it, and a config
        # that a restart would load.
        assert after.returncode == 0 and after.stdout == before.stdout, (attempt, after)
    # nginx kept serving the UI all along.
    again = playbook(str(SCENARIO / "proxy.yml"), "-l", name)
    assert again.returncode == 0 and re.search(r"%s\s*: ok=\d+\s+changed=0 " % name, again.stdout), again.stdout[-2000:]


def test_an_exposure_to_everyone_is_refused_before_any_change():
    name = "vramfree-proxy-socat"
    unit_before = subprocess.run(["docker", "exec", name, "cat", SOCAT_UNIT], capture_output=True, check=True).stdout
    run = playbook(
        str(SCENARIO / "proxy.yml"), "-l", name, "-e", json.dumps({"proxy_kind": "nginx", "proxy_allow": []})
    )
    assert run.returncode != 0
    output = run.stdout + run.stderr
    assert "proxy_kind nginx refused, nothing was changed" in output
    assert "proxy_allow_public: true" in output and "proxy_allow: ['192.168.1.0/24']" in output
    assert re.search(r"%s\s*: ok=\d+\s+changed=0 .*failed=1" % name, run.stdout), run.stdout[-1500:]
    # Neither nginx nor its site came; the socat unit is as it was, and still runs.
    check = subprocess.run(
        [
            "docker",
            "exec",
            name,
            "sh",
            "-c",
            "test ! -e %s && ! dpkg -s nginx >/dev/null 2>&1 && cat %s && systemctl is-active -q "
            "vramfree-proxy-socat" % (NGINX_SITE, SOCAT_UNIT),
        ],
        capture_output=True,
        check=False,
    )
    assert check.returncode == 0 and check.stdout == unit_before, check


def _socat_unit_and_state(name):
    return subprocess.run(
        ["docker", "exec", name, "sh", "-c", "cat %s; systemctl is-active vramfree-proxy-socat" % SOCAT_UNIT],
        capture_output=True,
        check=False,
    ).stdout


def test_a_proxy_that_would_protect_nothing_is_refused_before_any_change():
    name = "vramfree-proxy-socat"
    before = _socat_unit_and_state(name)
    # A web UI that listens on every address itself (webui_listen 0.0.0.0, or --listen):
    # the proxy in front of it would be for show.
    subprocess.run(
        ["docker", "exec", "-d", name, "python3", "-m", "http.server", "7870", "--bind", "0.0.0.0"], check=True
    )
    try:
        for _attempt in range(100):
            listening = subprocess.run(
                ["docker", "exec", name, "ss", "-Hltn", "sport = :7870"], capture_output=True, text=True, check=True
            ).stdout
            if "0.0.0.0:7870" in listening:
                break
            subprocess.run(["docker", "exec", name, "sleep", "0.1"], check=True)
        else:
            raise AssertionError("the open listener never came up on 0.0.0.0:7870")
        open_ui = playbook(str(SCENARIO / "proxy.yml"), "-l", name, "-e", "proxy_upstream=127.0.0.1:7870")
        same_port = playbook(str(SCENARIO / "proxy.yml"), "-l", name, "-e", "proxy_upstream=127.0.0.1:7861")
    finally:
        subprocess.run(["docker", "exec", name, "pkill", "-f", "http.server 7870"], check=False)
    for run, why in (
        (open_ui, "the web UI itself listens on 0.0.0.0:7870"),
        (same_port, "proxy_port 7861 is the web UI's own port"),
    ):
        assert run.returncode != 0
        output = run.stdout + run.stderr
        assert "proxy_kind socat refused, nothing was changed" in output and why in output, output[-2000:]
        assert re.search(r"%s\s*: ok=\d+\s+changed=0 .*failed=1" % name, run.stdout), run.stdout[-1500:]
    assert _socat_unit_and_state(name) == before


def test_tunnel_writes_ssh_entries_that_forward_to_the_ui(tmp_path):
    config = tmp_path / "ssh_config"
    before, after = b"# my own settings\nHost jump\n    User me\n", b"Host *\n    ServerAliveInterval 30\n"
    config.write_bytes(before + after)
    args = [
        str(PROJECT / "playbooks" / "tunnel.yml"),
        "-e",
        "tunnel_ssh_config=%s" % config,
        "-e",
        "tunnel_first_port=17860",
    ]
    first = playbook(*args)
    assert first.returncode == 0, first.stdout[-3000:]
    text = config.read_bytes()
    assert re.search(r"localhost\s*: ok=\d+\s+changed=1 ", first.stdout), first.stdout[-1500:]
    second = playbook(*args)
    assert re.search(r"localhost\s*: ok=\d+\s+changed=0 ", second.stdout), second.stdout[-1500:]
    assert config.read_bytes() == text
    # The user's own lines stay byte-identical; the one managed block follows them.
    assert text.startswith(before + after)
    managed = text[len(before + after) :].decode()
    assert managed.startswith("# BEGIN vramfree.webui") and managed.count("# BEGIN") == 1
    assert re.search(r"\n# END vramfree\.webui[^\n]*\n$", managed), managed[-200:]
    block = managed
    names = sorted(HOSTS)
    assert sorted(re.findall(r"^Host (\S+)$", block, re.M)) == ["%s-webui" % n for n in names]
    ports = [int(p) for p in re.findall(r"LocalForward 127\.0\.0\.1:(\d+) 127\.0\.0\.1:7860", block)]
    assert sorted(ports) == list(range(17860, 17860 + len(names)))
    for name in names:
        assert "ssh -N %s-webui" % name in first.stdout
    # A real tunnel: ssh with that file, then an HTTP request to the local port.
    name = names[0]
    port = int(
        re.search(r"Host %s-webui\n(?:    .*\n)*?    LocalForward 127\.0\.0\.1:(\d+)" % re.escape(name), block).group(1)
    )
    assert "http://127.0.0.1:%d/" % port in first.stdout
    ssh = subprocess.Popen(
        [
            "ssh",
            "-N",
            "-F",
            str(config),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "%s-webui" % name,
        ],
        stderr=subprocess.PIPE,
    )
    try:
        deadline, body = time.monotonic() + 20, None
        while body is None:
            assert ssh.poll() is None, ssh.stderr.read()
            probe = subprocess.run(
                ["curl", "-s", "--max-time", "3", "http://127.0.0.1:%d/" % port],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0:
                body = probe.stdout
            else:
                assert time.monotonic() < deadline, "no answer through the tunnel"
                time.sleep(0.5)
        assert PAGE in body
    finally:
        ssh.terminate()
        ssh.wait(10)


FIREWALLED = ["vramfree-proxy-ufw", "vramfree-proxy-firewalld"]
OTHER_SOURCE = "192.0.2.10/32"  # TEST-NET-1


def firewall_sources(name):
    """The sources the host's firewall lets in to the proxy's port, permanent rules included."""
    if HOSTS[name]["firewall"] == "ufw":
        out = subprocess.run(["docker", "exec", name, "ufw", "status"], capture_output=True, text=True, check=True)
        return sorted(line.split()[2] for line in out.stdout.splitlines() if line.startswith("%d/tcp" % PORT))
    out = subprocess.run(
        ["docker", "exec", name, "firewall-cmd", "--permanent", "--list-rich-rules"],
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(re.findall(r'source address="([^"]+)" port port="%d"' % PORT, out.stdout))


def test_z_a_changed_source_or_no_proxy_closes_what_the_role_opened(sources):
    allowed = sources[0]
    assert {name: firewall_sources(name) for name in FIREWALLED} == {
        "vramfree-proxy-ufw": [allowed],
        "vramfree-proxy-firewalld": [allowed + "/32"],
    }
    limit = ",".join(FIREWALLED)
    moved = playbook(str(SCENARIO / "proxy.yml"), "-l", limit, "-e", json.dumps({"proxy_allow": [OTHER_SOURCE]}))
    assert moved.returncode == 0, moved.stdout[-3000:]
    # The controller's rule is gone: only the new source gets in.
    assert {name: firewall_sources(name) for name in FIREWALLED} == {
        "vramfree-proxy-ufw": [OTHER_SOURCE.split("/", maxsplit=1)[0]],
        "vramfree-proxy-firewalld": [OTHER_SOURCE],
    }
    gone = playbook(str(SCENARIO / "proxy.yml"), "-l", limit, "-e", json.dumps({"proxy_kind": "none"}))
    assert gone.returncode == 0, gone.stdout[-3000:]
    assert {name: firewall_sources(name) for name in FIREWALLED} == dict.fromkeys(FIREWALLED, [])
    back = playbook(str(SCENARIO / "proxy.yml"), "-l", limit)
    assert back.returncode == 0, back.stdout[-3000:]
    assert {name: firewall_sources(name) for name in FIREWALLED} == {
        "vramfree-proxy-ufw": [allowed],
        "vramfree-proxy-firewalld": [allowed + "/32"],
    }
    # Rules opened by hand are the operator's: the role leaves them.
    subprocess.run(
        [
            "docker",
            "exec",
            "vramfree-proxy-ufw",
            "ufw",
            "allow",
            "from",
            "198.51.100.9",
            "to",
            "any",
            "port",
            str(PORT),
            "proto",
            "tcp",
        ],
        check=True,
        capture_output=True,
    )
    again = playbook(str(SCENARIO / "proxy.yml"), "-l", "vramfree-proxy-ufw")
    assert again.returncode == 0 and re.search(r"vramfree-proxy-ufw\s*: ok=\d+\s+changed=0", again.stdout), (
        again.stdout[-2000:]
    )
    assert firewall_sources("vramfree-proxy-ufw") == sorted([allowed, "198.51.100.9"])
