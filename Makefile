# Entry points for users and CI. Everything runs as root on a Debian 12/13 machine.
.PHONY: test demo demo-clean bench bench-fleet unit sanity lint molecule build

# All tests: deps, Docker, images, unit, sanity, lint, every molecule scenario.
test:
	bash scripts/test.sh

# Two local desktop GPU boxes (simulated GPU), then the site playbook over SSH.
demo:
	bash scripts/demo.sh

demo-clean:
	bash scripts/demo.sh --destroy

bench:
	bash scripts/bench.sh

# site on 1, 4 and 8 local test hosts under Ansible's defaults, the shipped ansible.cfg
# and Mitogen: a table, and build/bench-fleet.json (docs/fast-runs.md).
bench-fleet:
	bash scripts/bench-fleet.sh

unit:
	VRAMFREE_STEPS="deps unit" bash scripts/test.sh

sanity:
	VRAMFREE_STEPS="sysdeps deps sanity" bash scripts/test.sh

lint:
	VRAMFREE_STEPS="deps lint" bash scripts/test.sh

molecule:
	VRAMFREE_STEPS="sysdeps deps docker images gradio molecule" bash scripts/test.sh

# The collection artifact, as published: build/dist/vramfree-webui-<version>.tar.gz
build:
	VRAMFREE_STEPS="deps build" bash scripts/test.sh
