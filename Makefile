# customer_retention: `make serve` runs the demo, `make test` runs every test and lint, `make pytest` the same
# tests under pytest in databases kept between runs (the fast loop; ARGS="-k borrowing"). See README.
.PHONY: serve test pytest lint pot bench upgrade-check load-test websocket-check shell
serve:
	@scripts/dev.sh serve $(ARGS)
test:
	@scripts/dev.sh test
pytest:
	@scripts/dev.sh pytest $(ARGS)
lint:
	@scripts/dev.sh lint
pot:
	@scripts/dev.sh pot
bench:
	@scripts/dev.sh bench $(ARGS)
upgrade-check:
	@scripts/dev.sh upgrade-check $(ARGS)
load-test:
	@scripts/dev.sh load-test $(ARGS)
websocket-check:
	@scripts/dev.sh websocket-check $(ARGS)
shell:
	@scripts/dev.sh shell
