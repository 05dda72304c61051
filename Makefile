# customer_retention: `make serve` runs the demo, `make test` runs every test and lint (see README).
.PHONY: serve test lint pot bench upgrade-check load-test websocket-check shell
serve:
	@tools/dev.sh serve $(ARGS)
test:
	@tools/dev.sh test
lint:
	@tools/dev.sh lint
pot:
	@tools/dev.sh pot
bench:
	@tools/dev.sh bench $(ARGS)
upgrade-check:
	@tools/dev.sh upgrade-check $(ARGS)
load-test:
	@tools/dev.sh load-test $(ARGS)
websocket-check:
	@tools/dev.sh websocket-check $(ARGS)
shell:
	@tools/dev.sh shell
